// SPDX-License-Identifier: GPL-2.0
/*
 * return f(x) in its forms: a plain call, a call in an expression, a
 * (tail-)recursive call, a call whose result is converted to the return
 * type, a struct returned by value from a call, and a nested call chain.
 */
#include <stdio.h>

struct pair {
	int a;
	long b;
	char name[12];
};

static int sq(int x)
{
	return x * x;
}

static int sum_sq(int x)
{
	return sq(x) + sq(x + 1);
}

static int count_down(int n, int acc)
{
	if (n == 0)
		return acc;
	return count_down(n - 1, acc + n);
}

static char narrow(int x)
{
	return sq(x);
}

static double widen(int x)
{
	return sq(x) / 4;
}

static struct pair make(int a)
{
	struct pair p = { a, a * 1000L, "made" };

	p.name[4] = '0' + a % 10;
	return p;
}

static struct pair remake(int a)
{
	return make(sq(a));
}

static int chain(int x)
{
	return sq(sum_sq(count_down(x, 0)));
}

int main(void)
{
	struct pair p;

	printf("%d %d %d\n", sq(7), sum_sq(3), count_down(1000, 0));
	printf("%d %.2f\n", narrow(20), widen(3));
	p = remake(3);
	printf("%d %ld %s\n", p.a, p.b, p.name);
	printf("%d\n", remake(4).a);
	printf("%d\n", chain(3));
	return 0;
}
