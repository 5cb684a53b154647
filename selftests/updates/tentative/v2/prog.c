/* Version 2: prints the new field too. */
#include <stdio.h>
#include <unistd.h>

#include "stats.h"

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	stats.bytes = 7;
	for (;;) {
		count();
		printf("v2 requests=%ld errors=%ld bytes=%ld\n", stats.requests, stats.errors,
		       stats.bytes);
		usleep(2000);
	}
	return 0;
}
