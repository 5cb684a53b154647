// SPDX-License-Identifier: GPL-2.0
/*
 * __builtin_choose_expr whose chosen operand calls a program function:
 * upstare-cc rejects it; with --allow-unsupported the function is compiled
 * as is, and only the chosen operand runs.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

int main(void)
{
	int n = __builtin_choose_expr(sizeof(int) == 4, f(40), f(80)); // expect-error: __builtin_choose_expr

	printf("choose=%d calls=%d\n", n, calls);
	return 0;
}
