/* Transformer of stats from version 1 to version 2. */
#include <errno.h>
#include <upstare.h>

struct stats_v1 {
	long requests;
	long bytes;
};

struct stats {
	long requests;
	long errors;
	long bytes;
};

static int xform_stats(void *new_obj, const void *old_obj, size_t old_size)
{
	const struct stats_v1 *o = old_obj;
	struct stats *n = new_obj;

	if (old_size != sizeof(*o))
		return -EINVAL;
	n->requests = o->requests;
	n->errors = 42;
	n->bytes = o->bytes;
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(stats, xform_stats);
