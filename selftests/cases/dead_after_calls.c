// SPDX-License-Identifier: GPL-2.0
/*
 * Locals and parameters dead after a call are not saved at its
 * continuation point (instrumentor.rst, "Locals dead at a continuation
 * point"): a local whose last use is the call's own argument, one used
 * only in a later case of the same switch, a parameter read again after
 * the call, an address-taken local, a forward goto over uses, a call in a
 * loop (nothing is dead there), and a function with a backward goto
 * (nothing is dead there either).  Every frame is rebuilt at every update
 * point by the unwind run.
 */
#include <stdio.h>

static int calls;

/* its loop makes it one where threads park, so calls to it unwind */
static int g(int x)
{
	calls++;
	while (x > 1000)
		x -= 7;
	return x * 3 + 1;
}

static int tail_switch(int p, int a, int b)
{
	int only_arg = a * 7;
	int later_case = b - 2;
	int r = 0;

	switch (p) {
	case 0:
		r = g(only_arg);
		break;
	case 1:
		r = g(a) + later_case;
		break;
	default:
		r = g(later_case) + p;
	}
	return r;
}

static int param_after(int n, int k)
{
	int t = g(n);
	int u = n + k;		/* n read after the call */

	t += g(u);
	return t + n;
}

static int address_taken(int n)
{
	int v = n;
	int *pv = &v;
	int w = g(n);

	*pv += w;
	return g(w) + v;
}

static int forward_goto(int n)
{
	int a = n * 2, b = n * 5, c;

	c = g(a);
	if (c > 40)
		goto out;
	c += b;
	c = g(c);
out:
	return c + a;
}

static int in_loop(int n)
{
	int s = 0, last = 0;

	for (int i = 0; i < n; i++) {
		int tmp = last;

		last = g(i);
		s += tmp;
	}
	return s + last;
}

static int back_goto(int n)
{
	int a = n, s = 0;

again:
	s += g(a);
	if (--a > 0)
		goto again;
	return s;
}

int main(void)
{
	long sum = 0;

	for (int i = 0; i < 9; i++) {
		sum += tail_switch(i % 3, i, 10 - i);
		sum += param_after(i, 2 * i);
		sum += address_taken(i);
		sum += forward_goto(i);
		sum += in_loop(i);
		sum += back_goto(i % 4 + 1);
	}
	printf("sum %ld calls %d\n", sum, calls);
	return 0;
}
