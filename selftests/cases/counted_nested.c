// SPDX-License-Identifier: GPL-2.0
/*
 * Outer loops that call functions around call-free counted inner loops:
 * a bubble sort whose outer pass reports progress, a matrix product whose
 * middle loop calls a function, and an inner loop whose bound is the
 * outer counter.  Only the inner loops are strip-mined.
 */
#include <stdio.h>

#define N 2000
#define M 48

static int v[N];
static double a[M][M], b[M][M], c[M][M];
static int passes;

static void progress(int pass, int swaps)
{
	passes++;
	if (pass % 500 == 0)
		printf("pass %d swaps %d\n", pass, swaps);
}

static double scale(int i)
{
	return 1.0 + i % 3;
}

int main(void)
{
	unsigned seed = 12345;
	long tri = 0;
	double trace = 0;

	for (int i = 0; i < N; i++) {
		seed = seed * 1103515245 + 12345;
		v[i] = (seed >> 16) % 10000;
	}
	for (int pass = 0; pass < N - 1; pass++) {
		int swaps = 0;

		for (int i = 0; i < N - 1 - pass; i++)
			if (v[i] > v[i + 1]) {
				int t = v[i];

				v[i] = v[i + 1];
				v[i + 1] = t;
				swaps++;
			}
		progress(pass, swaps);
		if (!swaps)
			break;
	}
	printf("passes=%d v[0]=%d v[%d]=%d v[%d]=%d\n", passes, v[0], N / 2, v[N / 2], N - 1,
	       v[N - 1]);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			a[i][j] = i + j * 0.5;
			b[i][j] = i - j * 0.25;
		}
	for (int i = 0; i < M; i++)
		for (int j = 0; j < M; j++) {
			double s = 0, k_scale = scale(i + j);

			for (int k = 0; k < M; k++)
				s += a[i][k] * b[k][j];
			c[i][j] = s * k_scale;
		}
	for (int i = 0; i < M; i++)
		trace += c[i][i];
	printf("trace=%.6f c[3][7]=%.6f\n", trace, c[3][7]);
	for (int i = 0; i < 3000; i++)
		for (int j = 0; j < i; j++)
			tri += (i ^ j) & 1;
	printf("tri=%ld\n", tri);
	return 0;
}
