// SPDX-License-Identifier: GPL-2.0
/*
 * Functions that return function pointers, called at once with
 * (*get(c))(a, b) and get(c)(a, b), a function pointer compared against
 * function names (after instrumentation &f must still equal f), and a
 * table of handlers dispatched in a loop.
 */
#include <stdio.h>

typedef int (*op_fn)(int, int);

static int add(int a, int b)
{
	return a + b;
}

static int sub(int a, int b)
{
	return a - b;
}

static int mod(int a, int b)
{
	return b ? a % b : 0;
}

static int (*get(char c))(int, int)
{
	switch (c) {
	case '+':
		return add;
	case '-':
		return sub;
	default:
		return mod;
	}
}

static op_fn (*meta(void))(char)
{
	return get;
}

int main(void)
{
	const char *ops = "+-%+";
	int acc = 100;

	printf("%d %d %d\n", (*get('+'))(2, 3), get('-')(2, 3), meta()('%')(17, 5));
	printf("%d %d %d\n", get('+') == add, get('-') == &sub, get('x') == add);
	for (const char *p = ops; *p; p++)
		acc = get(*p)(acc, (int)(p - ops) + 3);
	printf("%d\n", acc);
	return 0;
}
