// SPDX-License-Identifier: GPL-2.0
/*
 * Variable-length arrays: sized by a call, declared in a loop body with a
 * different size each iteration, two-dimensional, as parameters (int n,
 * int a[n][n]), in a typedef, and sizeof of a VLA type, which evaluates
 * its size expression (the call must run, once).  Frames with VLAs cannot
 * be rebuilt; main, which calls them, can.
 */
#include <stdio.h>

static int calls;

static int size(int n)
{
	calls++;
	return n;
}

static long trace(int n, int m[n][n])
{
	long t = 0;

	for (int i = 0; i < n; i++)
		t += m[i][i];
	return t;
}

static void squares(int n)
{
	int v[size(n + 2)];
	int m[n][n];

	for (int i = 0; i < n + 2; i++)
		v[i] = i * i;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < n; j++)
			m[i][j] = i * 10 + j;
	printf("%d %ld %zu %zu\n", v[n + 1], trace(n, m), sizeof(v), sizeof(m));
}

static void per_iteration(void)
{
	for (int k = 1; k < 5; k++) {
		char buf[size(k * 3)];
		typedef int row[k];
		row r;

		for (int i = 0; i < k; i++)
			r[i] = k;
		buf[0] = 'a' + k;
		printf("%zu %zu %c %d\n", sizeof(buf), sizeof(row), buf[0], r[k - 1]);
	}
}

int main(void)
{
	unsigned long s;

	squares(size(6));
	per_iteration();
	s = sizeof(int[size(9)]);
	printf("s=%lu calls=%d\n", s, calls);
	return 0;
}
