// SPDX-License-Identifier: GPL-2.0
/*
 * Leaving call-free counted loops other than by the condition: return from
 * inside, goto out of two levels, break out of the innermost of three, and
 * a loop left on its first iteration.  Strip-mining must not lose these
 * exits or the counters' values.
 */
#include <stdio.h>

static int find(const int *a, int n, int want)
{
	for (int i = 0; i < n; i++)
		if (a[i] == want)
			return i;
	return -1;
}

static long grid(int n)
{
	int i, j;
	long s = 0;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++) {
			s += i ^ j;
			if (i * n + j == 7777)
				goto out;
		}
out:
	return s * 1000000 + i * 1000 + j;
}

static long three(int n)
{
	long s = 0;

	for (int a = 0; a < n; a++)
		for (int b = 0; b < n; b++)
			for (int c = 0; c < 2000; c++) {
				if (c > a * b)
					break;
				s += c;
			}
	return s;
}

int main(void)
{
	static int data[10000];

	for (int i = 0; i < 10000; i++)
		data[i] = (i * 7919) % 10007;
	printf("%d %d %d %d\n", find(data, 10000, 7919), find(data, 10000, 9999),
	       find(data, 10000, -5), find(data, 10000, 0));
	printf("%ld %ld\n", grid(100), grid(50));
	printf("%ld\n", three(60));
	return 0;
}
