// SPDX-License-Identifier: GPL-2.0
/*
 * Indirect calls through function pointers stored in globals, structs and
 * arrays, returned from functions, passed as arguments, called with (*fp)()
 * and fp() syntax, plus a pointer to a library function.
 */
#include <stdio.h>
#include <stdlib.h>

typedef int (*binop)(int, int);

static int add(int a, int b)
{
	return a + b;
}

static int sub(int a, int b)
{
	return a - b;
}

static int mul(int a, int b)
{
	return a * b;
}

binop global_op = add;
static binop table[] = { add, sub, mul };

struct ops {
	const char *name;
	binop fn;
	int (*unary)(int);
};

static int neg(int a)
{
	return -a;
}

static struct ops ops = { "ops", mul, neg };

static binop choose(int i)
{
	return table[i % 3];
}

static int apply(binop fn, int a, int b)
{
	return fn(a, b);
}

static int fold(int (*fn)(int, int), const int *v, int n)
{
	int acc = v[0];

	for (int i = 1; i < n; i++)
		acc = (*fn)(acc, v[i]);
	return acc;
}

int main(void)
{
	int v[] = { 3, 4, 5, 6 };
	int (*lib)(int) = abs;
	struct ops *po = &ops;

	printf("%d %d %d\n", global_op(2, 3), table[1](10, 4), (*table[2])(6, 7));
	printf("%d %d %d\n", ops.fn(3, 3), po->unary(9), (*po->fn)(2, 8));
	printf("%d %d\n", choose(4)(20, 5), apply(choose(2), 4, 4));
	printf("%d %d %d\n", fold(add, v, 4), fold(mul, v, 4), fold(table[1], v, 4));
	global_op = sub;
	printf("%d %d\n", global_op(global_op(10, 1), 2), lib(po->unary(42)));
	for (int i = 0; i < 3; i++)
		printf("%d ", apply(table[i], apply(table[(i + 1) % 3], i, 2), 3));
	printf("\n");
	return 0;
}
