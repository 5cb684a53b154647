/* A tentative definition: no initializer; the header declared it extern. */
#include "stats.h"

struct stats stats;

void count(void)
{
	stats.requests++;
}
