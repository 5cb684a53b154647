/*
 * Most of the time is spent in a qsort() comparator: a callback from the C
 * library, whose frames cannot be rebuilt.  The update must wait until
 * qsort() returns, then park the thread at its next update point.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define VERSION "v1"
#define N 200

static int cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	usleep(50);
	return (x > y) - (x < y);
}

int main(void)
{
	int v[N], round = 0, ok;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		for (int i = 0; i < N; i++)
			v[i] = (i * 7919 + round) % 1000;
		qsort(v, N, sizeof(v[0]), cmp);
		ok = 1;
		for (int i = 1; i < N; i++)
			ok &= v[i - 1] <= v[i];
		printf(VERSION " round=%d sorted=%d\n", ++round, ok);
	}
	return 0;
}
