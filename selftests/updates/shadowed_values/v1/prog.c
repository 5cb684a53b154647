/*
 * Two locals named p of the same type and different values, both live
 * while main waits in the inner block, where the inner one shadows the
 * outer one, whose address a callee holds.  Version 2 changes only what
 * it prints (v2/prog.c includes this file).
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

/* Wait for a round's time, then count it in *done. */
static void wait_round(long *done)
{
	for (int n = 0; n < 50; n++)
		usleep(2000);
	*done += 1;
}

int main(void)
{
	long round;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (round = 0;; round++) {
		long p = round * 1000 + 7;
		long *outer = &p;	/* on the side stack, at one address */

		{
			long p = round * 10 + 3;

			wait_round(outer);
			printf(VERSION " round=%ld inner=%ld", round, p);
		}
		printf(" outer=%ld\n", p);
	}
	return 0;
}
