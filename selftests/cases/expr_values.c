// SPDX-License-Identifier: GPL-2.0
/*
 * Values of expressions around hoisted calls: a member of a statement
 * expression of structure type, compound assignment to bit-fields,
 * chained comparisons, && and || as values, stores through returned
 * pointers, short-circuit operators as arguments, conditionals mixing a
 * string literal and a call, a call through a member whose object an
 * argument changes, a callee returned by a call, nested loops whose
 * increments call with continue, and comma chains.
 */
#include <stdio.h>
#include <string.h>
static int calls;
static int f(int v) { calls++; printf("f%d ", v); return v; }
static int g(int v) { calls++; printf("g%d ", v); return v * 2; }
struct pt { int x, y; };
struct bf { unsigned a : 3, b : 5; };
static struct pt mk(int v) { calls++; return (struct pt){ v, -v }; }
static int counter[4];
static int *next(void) { static int i; calls++; return &counter[i++ & 3]; }
static const char *name(int i) { calls++; return i ? "one" : "zero"; }
struct obj { int x; int (*fn)(int, int); };
static int add(int a, int b) { printf("add(%d,%d) ", a, b); return a + b; }
static int sub(int a, int b) { printf("sub(%d,%d) ", a, b); return a - b; }
static struct obj o1 = { 10, add }, o2 = { 20, sub };
static struct obj *cur = &o1;
static struct obj *swap(void) { cur = cur == &o1 ? &o2 : &o1; return cur; }
int main(void)
{
	struct bf b = { 1, 2 };
	int x, i, j;
	x = ({ struct pt p = mk(f(3)); p; }).y;
	printf("| %d\n", x);
	b.b += f(4); b.a -= g(1);
	printf("| %u %u\n", b.a, b.b);
	x = f(1) < g(1) < f(3);
	printf("| %d\n", x);
	x = f(2) && g(0); printf("| %d\n", x);
	x = f(0) || g(3); printf("| %d\n", x);
	(*next())++; (*next()) += f(5); ++*next();
	printf("| %d %d %d\n", counter[0], counter[1], counter[2]);
	x = add(f(1) && g(2), f(7));
	printf("| %d\n", x);
	const char *s = f(0) ? "lit" : name(f(1));
	printf("| %s %zu\n", s, strlen(f(1) ? name(0) : s));
	x = cur->fn(cur->x++, f(1));
	printf("| %d %d\n", x, o1.x);
	x = swap()->fn(cur->x, g(2));
	printf("| %d\n", x);
	for (i = 0; i < 3; i = f(i + 1))
		for (j = 0; j < 3; j = g(j) + 1) {
			if (j == 1)
				continue;
			printf("[%d %d] ", i, j);
		}
	printf("\n");
	x = (f(1), g(2), (void)f(3), f(4));
	printf("| %d calls=%d\n", x, calls);
	return 0;
}
