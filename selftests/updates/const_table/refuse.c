/* The counter's transformer refuses: the update rolls back. */
#include <errno.h>
#include <upstare.h>

static int xform_counter(void *new_obj, const void *old_obj, size_t old_size)
{
	(void)new_obj;
	(void)old_obj;
	(void)old_size;
	upstare_fail("counter refused on purpose");
	return -EINVAL;
}

UPSTARE_GLOBAL_TRANSFORMER(counter, xform_counter);
