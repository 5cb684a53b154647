// SPDX-License-Identifier: GPL-2.0
/*
 * Calls in asm operands: inputs computed by calls, outputs that are
 * members and a store through a returned pointer.  The calls are hoisted;
 * the output operands stay lvalues the asm writes.
 */
#include <stdio.h>
static int calls;
static int f(int v) { calls++; return v; }
struct s { int a, b; } g;
static int *slot(int i) { static int v[4]; calls++; return &v[i & 3]; }
int main(void)
{
	struct s l = { 0, 0 };
	for (int i = 0; i < 4; i++) {
		asm volatile("" : "=r"(l.a) : "0"(f(i + 1)));
		asm volatile("" : "=r"(g.b), "=r"(*slot(i)) : "0"(f(i * 10)), "1"(f(7)));
		printf("%d %d %d\n", l.a, g.b, *slot(i));
	}
	printf("calls=%d\n", calls);
	return 0;
}
