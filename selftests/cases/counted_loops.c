// SPDX-License-Identifier: GPL-2.0
/*
 * Call-free counted inner loops, the ones upstare-cc strip-mines: with
 * break and continue in the body, running 0, 1, 1023, 1024, 1025 and
 * >5000 times, and the value of the counter after the loop.
 */
#include <stdio.h>

static long sum_to(int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += i;
	return s * 100000 + i;
}

static long with_break(int n, int stop)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (i == stop)
			break;
		s += i ^ 5;
	}
	return s * 100000 + i;
}

static long with_continue(int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (i % 3 == 1)
			continue;
		s += i;
	}
	return s * 100000 + i;
}

static long nested(int n, int m)
{
	long s = 0;

	for (int i = 0; i < n; i++) {
		int j;

		for (j = 0; j < m; j++) {
			if (j > i + 2000)
				break;
			if (j & 1)
				continue;
			s += j;
		}
		s += j;
	}
	return s;
}

int main(void)
{
	static const int sizes[] = { 0, 1, 2, 1023, 1024, 1025, 2048, 4099, 5001, 100000 };

	for (unsigned k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
		printf("%d: %ld %ld %ld %ld %ld\n", sizes[k], sum_to(sizes[k]),
		       with_break(sizes[k], 1500), with_break(sizes[k], 5000),
		       with_continue(sizes[k]), nested(sizes[k] % 7, sizes[k]));
	printf("%ld\n", sum_to(-5));
	return 0;
}
