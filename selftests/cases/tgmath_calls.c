/* upstare-test: cflags="-lm" */
// SPDX-License-Identifier: GPL-2.0
/*
 * <tgmath.h> macros around program calls: they wrap their arguments in
 * casts to __typeof__(__tg_promote(x)), whose operand is not evaluated
 * (__tg_promote is only declared), and errno and strerror around calls.
 */
#include <stdio.h>
#include <tgmath.h>
#include <errno.h>
#include <string.h>
#include <stdlib.h>
static int calls;
static double f(double v) { calls++; return v; }
static float g(float v) { calls++; return v; }
int main(void)
{
	double s = 0;
	for (int i = 1; i < 6; i++) {
		s += sqrt(f(i)) + fabs(g(-i)) + pow(f(2), g(i));
		errno = 0;
		strtol("99999999999999999999999", NULL, (int)f(10));
		s += errno == ERANGE;
	}
	printf("%.6f calls=%d %s\n", s, calls, strerror((int)f(2)));
	return 0;
}
