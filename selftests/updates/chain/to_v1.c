/* hits: long in version 3, int again in version 1. */
#include <errno.h>
#include <upstare.h>

static int narrow(void *new_obj, const void *old_obj, size_t old_size)
{
	if (old_size != sizeof(long))
		return -EINVAL;
	*(int *)new_obj = (int)*(const long *)old_obj;
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(hits, narrow);
