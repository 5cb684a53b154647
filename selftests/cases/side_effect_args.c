/* upstare-test: stdin="abcdef" */
// SPDX-License-Identifier: GPL-2.0
/*
 * Arguments with side effects run once: f(i++), f(getchar()), f(*p++),
 * f(x = g()), f(--n) in a loop.  A rebuild that calls the function again
 * must not evaluate them again, so they are evaluated before the call.
 */
#include <stdio.h>

static int seen[32], nseen;

static int f(int v)
{
	seen[nseen++] = v;
	return v;
}

static int g(void)
{
	return 77;
}

int main(void)
{
	int i = 0, x = 0, n = 4;
	int data[] = { 10, 20, 30 };
	int *p = data;

	f(i++);
	f(i++);
	f(getchar());
	f(getchar());
	f(*p++);
	f(*p++ + 1);
	f(x = g());
	while (n)
		f(--n);
	f(f(i++) + getchar());
	for (int k = 0; k < 2; k++)
		f(getc(stdin));
	printf("i=%d x=%d n=%d p=%d\n", i, x, n, *p);
	for (int k = 0; k < nseen; k++)
		printf("%d ", seen[k]);
	printf("\nrest=%d\n", getchar());
	return 0;
}
