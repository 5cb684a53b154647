/* A datatype transformer: every changed global of type struct stats. */
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

static int xform_struct_stats(void *new_obj, const void *old_obj, size_t old_size)
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

UPSTARE_TYPE_TRANSFORMER("struct stats", xform_struct_stats);
