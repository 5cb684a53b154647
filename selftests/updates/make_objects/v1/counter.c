/* A counter kept in a static of this file: a patch must go on from it. */
#include "counter.h"

static long count;

long count_next(void)
{
	return ++count;
}
