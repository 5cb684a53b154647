/*
 * Two locals named p of different types, both live while main waits in
 * the inner block: the outer one a number, the inner one a string that
 * shadows it.  Version 2 changes only what it prints (v2/prog.c
 * includes this file).
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

static const char *const names[] = { "alpha", "beta", "gamma", "delta" };

int main(void)
{
	long round;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (round = 0;; round++) {
		long p = round * 1000 + 7;

		{
			const char *p = names[round % 4];

			for (int n = 0; n < 50; n++)
				usleep(2000);
			printf(VERSION " round=%ld inner=%s", round, p);
		}
		printf(" outer=%ld\n", p);
	}
	return 0;
}
