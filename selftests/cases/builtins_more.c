/* upstare-test: cflags="-lm" */
// SPDX-License-Identifier: GPL-2.0
/*
 * More builtins and types around calls: __builtin_assume (its argument's
 * side effects are discarded), __builtin_offsetof with a computed index,
 * complex arithmetic, _Atomic compound assignment, a vector subscript,
 * __builtin_expect_with_probability and __builtin_prefetch.
 */
#include <stdio.h>
#include <stddef.h>
#include <complex.h>
static int calls;
static int f(int v) { calls++; return v; }
static double d(double v) { calls++; return v; }
struct s { int a; int arr[8]; };
typedef int v4 __attribute__((vector_size(16)));
int main(void)
{
	_Atomic int at = 1;
	v4 v = { 1, 2, 3, 4 }; struct s sv;
	__builtin_assume(f(1) > 0);
	size_t off = __builtin_offsetof(struct s, arr[f(3)]);
	double complex z = d(1.5) + d(2.0) * I;
	at += f(5);
	at = at * f(2);
	int e = v[f(2)] + (int)__real__ z + (int)cimag(z * d(2));
	if (__builtin_expect_with_probability(f(1), 1, 0.9))
		e++;
	__builtin_prefetch(&sv.arr + f(0));
	printf("%zu %d %d calls=%d\n", off, (int)at, e, calls);
	return 0;
}
