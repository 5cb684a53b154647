/* A transformer that refuses: the update must roll back. */
#include <errno.h>
#include <upstare.h>

static int xform_stats(void *new_obj, const void *old_obj, size_t old_size)
{
	(void)new_obj;
	(void)old_obj;
	(void)old_size;
	upstare_fail("stats cannot be converted today");
	return -EINVAL;
}

UPSTARE_GLOBAL_TRANSFORMER(stats, xform_stats);
