// SPDX-License-Identifier: GPL-2.0
/*
 * __builtin_choose_expr whose operands call program functions: only the
 * chosen operand runs, and its call is a continuation point like any
 * other.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static void note(const char *s)
{
	calls += 100;
	printf("note %s\n", s);
}

int main(void)
{
	int n = __builtin_choose_expr(sizeof(int) == 4, f(40), f(80));
	long m = 2 * __builtin_choose_expr(sizeof(char) == 2, f(1), f(2) + f(3)) + f(4);

	printf("choose=%d calls=%d\n", n, calls);
	printf("m=%ld calls=%d\n", m, calls);
	__builtin_choose_expr(1, note("chosen"), note("not chosen"));
	for (int i = 0; i < 3; i++)
		n += __builtin_choose_expr(0, f(i * 100), f(i));
	printf("n=%d calls=%d\n", n, calls);
	return 0;
}
