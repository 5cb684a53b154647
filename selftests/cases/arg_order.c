// SPDX-License-Identifier: GPL-2.0
/*
 * Calls as arguments of calls: hoisting them to temporaries must keep the
 * order the compiler evaluates them in, and each runs once.  The printing
 * in g() and h() shows the order.
 */
#include <stdio.h>

static int g(int v)
{
	printf("g%d ", v);
	return v;
}

static int h(int v)
{
	printf("h%d ", v);
	return v * 10;
}

static int f(int a, int b)
{
	printf("f(%d,%d) ", a, b);
	return a + b;
}

static int f3(int a, int b, int c)
{
	printf("f3(%d,%d,%d) ", a, b, c);
	return a - b + c;
}

int main(void)
{
	int r;

	r = f(g(1), h(2));
	printf("= %d\n", r);
	r = f3(g(1), f(g(2), h(3)), h(4));
	printf("= %d\n", r);
	r = f(f(g(5), g(6)), f(h(7), h(8)));
	printf("= %d\n", r);
	r = g(1) + h(2) * g(3) - h(g(4));
	printf("= %d\n", r);
	printf("%d %d %d\n", g(7), h(8), f(g(9), 1));
	return 0;
}
