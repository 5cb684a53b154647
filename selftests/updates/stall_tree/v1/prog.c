/*
 * A process tree whose child can never park (a thread of it blocks every
 * signal behind the runtime's back: ../include/blocker.h).  The parent
 * works in 2 ms steps and prints the CLOCK_MONOTONIC time of each, so the
 * longest time it was held (parked, waiting for its group) shows as the
 * longest gap between two of its lines.
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
	if (fork() == 0) {
		start_blocker();
		for (;;)
			usleep(2000);
	}
	for (long n = 1;; n++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf(VERSION " n=%ld ms=%lld\n", n, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
		usleep(2000);
	}
	return 0;
}
