/*
 * A counter kept in a static of this file, which is built into a static
 * library: a patch must go on from it.  The caller's thread waits in here,
 * so the patch must hold this file's new version too.
 */
#include <unistd.h>

#include "counter.h"

static long count;

long count_next(void)
{
	usleep(10000);
	return ++count;
}
