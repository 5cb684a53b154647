/* A transformer of stats that faults (-DXFORM_SEGV) or aborts (-DXFORM_ABORT). */
#include <stdlib.h>
#include <upstare.h>

static int xform_stats(void *new_obj, const void *old_obj, size_t old_size)
{
#ifdef XFORM_SEGV
	*(volatile long *)16 = 1;
#endif
#ifdef XFORM_ABORT
	abort();
#endif
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(stats, xform_stats);
