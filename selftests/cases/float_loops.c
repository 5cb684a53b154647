// SPDX-License-Identifier: GPL-2.0
/*
 * Floating-point loops, the kind the vectorizer likes: saxpy, a dot
 * product, a running product and a float counter.  Results are printed with
 * enough digits that a changed order of operations would show.
 */
#include <stdio.h>

#define N 6000

static float x[N], y[N];
static double d[N];

static void saxpy(int n, float a, const float *restrict xs, float *restrict ys)
{
	for (int i = 0; i < n; i++)
		ys[i] = a * xs[i] + ys[i];
}

static double dot(const double *a, int n)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += a[i] * a[n - 1 - i];
	return s;
}

int main(void)
{
	float f, acc = 0;
	double prod = 1;

	for (int i = 0; i < N; i++) {
		x[i] = i * 0.25f;
		y[i] = 1.0f / (i + 1);
		d[i] = i / 3.0;
	}
	saxpy(N, 3.0f, x, y);
	printf("%.9g %.9g %.9g\n", y[0], y[N / 2], y[N - 1]);
	printf("%.17g\n", dot(d, N));
	for (int i = 1; i < 200; i++)
		prod *= 1.0 + 1.0 / (i * i);
	printf("%.17g\n", prod);
	for (f = 0.0f; f < 1000.0f; f += 0.1f)
		acc += f;
	printf("%.9g %.9g\n", f, acc);
	return 0;
}
