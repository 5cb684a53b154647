/* Only the global is transformed: main's local still needs one. */
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

UPSTARE_GLOBAL_TRANSFORMER(g, xform_pair);
