// SPDX-License-Identifier: GPL-2.0
/*
 * Locals of every kind live across calls: when a frame is saved and
 * restored, each is copied by value.  Arrays, const-qualified locals,
 * register locals, anonymous struct and union types, pointers to arrays,
 * function pointers, _Bool and long double, a const struct and const
 * parameters must all still compile and keep their values.
 */
#include <stdio.h>

static int touch(int v)
{
	return v + 1;
}

static long kinds(const int cp, int arr_param[4])
{
	const int c = touch(1);
	const struct { int a; char b; } cs = { touch(2), 'q' };
	register int r = touch(3);
	int arr[5] = { 1, 2, 3, 4, 5 };
	char str[8] = "frame";
	int grid[2][3] = { { 1, 2, 3 }, { 4, 5, 6 } };
	int (*prow)[3] = grid;
	struct { short s; long l; } anon = { 7, 8 };
	union { int i; float f; } un = { .i = 9 };
	int (*fn)(int) = touch;
	_Bool flag = touch(0);
	long double ld = 1.5L;
	const char *const msg = "msg";
	long t;

	t = touch(c) + cs.a + cs.b + r + arr[4] + str[0] + prow[1][2] + anon.s + anon.l;
	arr[0] = fn(arr[0]);
	str[0] = (char)touch('E');
	t += touch(un.i) + flag + (long)(ld * 2) + msg[1] + arr_param[3] + cp + arr[0];
	t += str[0] + grid[0][1];
	return t;
}

int main(void)
{
	int a[4] = { 0, 0, 0, 40 };

	printf("%ld\n", kinds(touch(99), a));
	return 0;
}
