/*
 * One thread blocks every signal behind the runtime's back and waits in
 * read(): it never parks.  The main thread works in 2 ms steps and prints
 * the CLOCK_MONOTONIC time of each, so the longest time it was held
 * (parked) shows as the longest gap between two lines.
 */
#include "../../include/blocker.h"
#include <time.h>

#ifndef VERSION
#define VERSION "v1"
#endif

int main(void)
{
	struct timespec ts;

	setvbuf(stdout, NULL, _IOLBF, 0);
	start_blocker();
	for (long n = 1;; n++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf(VERSION " n=%ld ms=%lld\n", n, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
		usleep(2000);
	}
	return 0;
}
