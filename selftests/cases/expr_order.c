// SPDX-License-Identifier: GPL-2.0
/*
 * Evaluation order around hoisted calls in lvalues and operators: a
 * compound assignment whose index calls, a store through a returned
 * pointer, chained assignment, bit-field and member stores through calls,
 * pre-increment of a returned pointer's target, for-init declarations
 * that call, do/while with continue and a calling condition, calls in
 * asm operands, a variable with __attribute__((cleanup)) (its function
 * stays as written), __atomic builtins and comma/conditional mixes.
 */
#include <stdio.h>
static int g_x, calls, arr[8];
static int f(int v) { calls++; g_x += v; printf("f%d ", v); return v; }
static int *pa(int i) { printf("pa%d ", i); return &arr[i & 7]; }
struct s { int a : 4, b : 4; int v[3]; } S;
static struct s *ps(void) { printf("ps "); return &S; }
static void cl(int *p) { printf("cleanup%d ", *p); }
static void cleanups(void)
{
	for (int k = 0; k < 3; k++) {
		int __attribute__((cleanup(cl))) c = f(k);
		if (k == 1)
			continue;
		printf("body%d ", c);
	}
	printf("\n");
}

int main(void)
{
	int i = 0, x, y;
	arr[f(1)] += f(2);
	printf("| %d\n", arr[1]);
	*pa(f(3)) = f(4) + *pa(5);
	printf("| %d\n", arr[3]);
	g_x += f(5);
	printf("| %d\n", g_x);
	x = y = f(6) + g_x;
	printf("| %d %d\n", x, y);
	ps()->b = f(7);
	ps()->v[f(1)]++;
	printf("| %d %d\n", S.b, S.v[1]);
	++*pa(f(2));
	printf("| %d\n", arr[2]);
	for (int a = f(1), b = f(a + 1); a < 3; a++, f(b))
		printf("[%d] ", a);
	printf("\n");
	int n = 0;
	do {
		if (n++ == 1)
			continue;
		printf("d%d ", n);
	} while (f(n) < 4);
	printf("\n");
	asm volatile("" : "=r"(x) : "0"(f(9)));
	printf("asm %d\n", x);
	cleanups();
	__atomic_fetch_add(&arr[0], f(3), __ATOMIC_SEQ_CST);
	printf("atomic %d calls=%d\n", arr[0], calls);
	i = (f(1), f(2)) + (f(3) ? f(4) : f(5));
	printf("| %d\n", i);
	return 0;
}
