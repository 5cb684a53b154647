/*
 * A patch whose constructor faults (built with -DCTOR_SEGV) or exits
 * (-DCTOR_EXIT): it runs when the patch is loaded, in the target, before
 * anything is committed.
 */
#include <stdlib.h>

__attribute__((constructor)) static void patch_setup(void)
{
#ifdef CTOR_SEGV
	*(volatile int *)8 = 1;
#endif
#ifdef CTOR_EXIT
	exit(3);
#endif
}
