/* hits: int in version 2, long in version 3. */
#include <errno.h>
#include <upstare.h>

static int widen(void *new_obj, const void *old_obj, size_t old_size)
{
	if (old_size != sizeof(int))
		return -EINVAL;
	*(long *)new_obj = *(const int *)old_obj;
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(hits, widen);
