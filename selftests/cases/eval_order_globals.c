// SPDX-License-Identifier: GPL-2.0
/*
 * Evaluation order against a call that changes globals: operands that
 * clang evaluates before the call (the base of a subscript whose index
 * calls, the left operand of + and of a comparison, earlier arguments)
 * must be read before it, and the ones it evaluates after must be read
 * after: stores through pointers, member stores, compound assignments.
 */
#include <stdio.h>
static int A[4] = { 10, 20, 30, 40 }, B[4] = { 1, 2, 3, 4 };
static int *p = A;
struct s { int v; int arr[2]; } S1 = { 5, { 7, 8 } }, S2 = { 6, { 9, 10 } }, *sp = &S1;
static int n = 1;
static int f(int v) { p = B; sp = &S2; n += 10; return v; }
static int h(int a, int b) { return a * 100 + b; }
static void reset(void) { p = A; sp = &S1; n = 1; A[0] = 10; B[0] = 1; S1.v = 5; S2.v = 6; }
static void part2(void)
{
	int x;
	*p = f(1); printf("%d %d | ", A[0], B[0]); reset();
	p[0] = f(2); printf("%d %d | ", A[0], B[0]); reset();
	sp->v = f(3); printf("%d %d | ", S1.v, S2.v); reset();
	p[n] += f(1); printf("%d %d %d %d | ", A[1], B[1], A[11 % 4], n); reset();
	x = sp->arr[f(1)]; printf("%d | ", x); reset();
	x = h(p[0], f(0)); printf("%d | ", x); reset();
	x = h(*p, f(0)); printf("%d | ", x); reset();
	x = ((struct s){ *p + f(0), { sp->v, f(0) } }).arr[0]; printf("%d | ", x); reset();
	x = n++ + f(0) + n; printf("%d | ", x); reset();
	x = (n = 5) + f(0) + n; printf("%d\n", x); reset();
}

/* the callee of an indirect call is read before its arguments' calls */
static int one(int v)
{
	return v + 1;
}

static int two(int v)
{
	return v + 2;
}

static int (*fp)(int) = one;
static struct ops {
	int (*fn)(int);
} o = { one }, *op = &o;

static int flip(int v)
{
	fp = two;
	o.fn = two;
	return v;
}

static void part3(void)
{
	printf("%d ", fp(flip(10))); fp = one; o.fn = one;
	printf("%d ", op->fn(flip(20))); fp = one; o.fn = one;
	printf("%d ", (*fp)(flip(30))); fp = one; o.fn = one;
	printf("%d\n", fp(0) + fp(flip(0)) + fp(0));
}

int main(void)
{
	int x;
	x = p[f(1)];
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = f(2)[p];
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = sp->v + f(0);
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = h(n, f(3));
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = -n + f(0) + n;
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = (n ? n : 0) * f(1);
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = *p + f(0) + *p;
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = p[n] + p[f(2)];
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = (int)(long)sp->v + (f(0), n);
	printf("%d ", x); p = A; sp = &S1; n = 1;
	x = !n + ~n + f(0) + (n++) ;
	printf("%d %d\n", x, n);
	part2();
	part3();
	return 0;
}
