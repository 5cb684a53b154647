/* The union's member, for gen_refused: the program keeps an int in it. */
#include <string.h>
#include <upstare.h>

union val {
	long l;
	int i;
	float f;
};

static int xform_val(void *new_obj, const void *old_obj, size_t old_size)
{
	union val *n = new_obj;

	(void)old_size;
	memset(n, 0, sizeof(*n));
	memcpy(&n->i, old_obj, sizeof(n->i));	/* v1 keeps an int in it */
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(val, xform_val);
