/* The global and main's local, both converted field by field. */
#include <errno.h>
#include <upstare.h>

struct pair_v1 {
	int a;
	int b;
};

struct pair {
	int b;
	int a;
};

static int xform_pair(void *new_obj, const void *old_obj, size_t old_size)
{
	const struct pair_v1 *o = old_obj;
	struct pair *n = new_obj;

	(void)old_size;
	n->a = o->a;
	n->b = o->b;
	return 0;
}

static int xform_main(struct upstare_frame *f)
{
	return xform_pair(upstare_frame_new(f, "l", NULL), upstare_frame_old(f, "l", NULL), 0);
}

UPSTARE_GLOBAL_TRANSFORMER(g, xform_pair);
UPSTARE_STACK_TRANSFORMER("main", xform_main);
