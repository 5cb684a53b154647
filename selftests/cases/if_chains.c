// SPDX-License-Identifier: GPL-2.0
/*
 * Calls in if/else-if chains (later conditions run only when earlier ones
 * fail), return of a logical expression with calls, nested ifs with calls
 * in both branches, and a dangling else.
 */
#include <stdio.h>

static int calls;

static int is(int v, int want)
{
	calls++;
	printf("is(%d,%d) ", v, want);
	return v == want;
}

static int both(int a, int b)
{
	return is(a, 1) && is(b, 2);
}

static const char *classify(int v)
{
	if (is(v, 0))
		return "zero";
	else if (is(v, 1) || is(v, 2))
		return "small";
	else if (v > 100 && is(v, 101))
		return "hundred-one";
	else
		return "other";
}

int main(void)
{
	for (int v = 0; v < 4; v++)
		printf("-> %s\n", classify(v));
	printf("-> %s\n", classify(101));
	printf("%d %d %d\n", both(1, 2), both(0, 2), both(1, 3));
	if (is(3, 3))
		if (is(4, 5))
			printf("inner\n");
		else
			printf("dangling else\n");
	printf("calls=%d\n", calls);
	return 0;
}
