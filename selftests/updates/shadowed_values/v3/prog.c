/*
 * Version 3 declares another p, in a new block before the two others: the
 * locals of the blocks around the point where main waits keep their values
 * (and the outer one its address).
 */
#include <stdio.h>
#include <unistd.h>

#define VERSION "v3"

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
		{
			long p = round % 4;

			if (!p)
				printf(VERSION " round=%ld is a fourth\n", round);
		}
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
