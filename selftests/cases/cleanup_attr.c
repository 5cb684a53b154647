// SPDX-License-Identifier: GPL-2.0
/*
 * __attribute__((cleanup(fn))): the cleanup runs when the variable's block
 * ends, by break, continue, return or falling off its end, and it calls a
 * program function.  Functions with such variables and the cleanup
 * functions themselves are kept as written (non-reconstructible); main is
 * rebuilt around them.
 */
#include <stdio.h>
#include <stdlib.h>

static int calls, freed;

static int f(int v)
{
	calls++;
	return v;
}

static void note(int v)
{
	calls += 100;
	freed += v;
}

static void release(int **p)
{
	note(**p);
	free(*p);
}

static int work(int n)
{
	for (int k = 0; k < n; k++) {
		int *__attribute__((cleanup(release))) buf = malloc(sizeof(int));

		*buf = f(k);
		if (k == 1)
			continue;
		if (k == 4)
			return *buf * 10;
	}
	return -1;
}

int main(void)
{
	int sum = 0;

	for (int i = 0; i < 8; i++)
		sum += work(f(i));
	printf("sum=%d freed=%d calls=%d\n", sum, freed, calls);
	return 0;
}
