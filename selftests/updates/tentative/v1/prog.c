/* Counts in stats.c, prints the counters. */
#include <stdio.h>
#include <unistd.h>

#include "stats.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	stats.bytes = 7;
	for (;;) {
		count();
		printf("v1 requests=%ld bytes=%ld\n", stats.requests, stats.bytes);
		usleep(2000);
	}
	return 0;
}
