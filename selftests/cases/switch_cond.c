// SPDX-License-Identifier: GPL-2.0
/*
 * Calls in switch conditions in their harder forms: with && and ?:, a
 * comma expression, a statement expression, a call through a function
 * pointer, a switch whose case bodies also call, continue inside a switch
 * (it belongs to the enclosing loop, whose increment calls), and a switch
 * on a call inside a loop condition's statement expression.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static int g(int v)
{
	calls += 10;
	return v + 1;
}

static int (*fp)(int) = g;

static int classify(int i)
{
	switch (f(i) > 2 && g(i) < 7 ? f(i % 3) : -1) {
	case -1:
		return 100 + g(i);
	case 0:
		return f(0) + 10;
	default:
		return f(i) * 1000;
	}
}

int main(void)
{
	int i, out = 0;

	for (i = 0; i < 8; i++)
		printf("%d ", classify(i));
	printf("\n");
	for (i = 0; i < 12; i = g(i)) {
		switch ((f(i), fp(i)) % 4) {
		case 0:
			out += f(1);
			continue;	/* runs i = g(i) */
		case 1:
			out += ({ int t = g(i); switch (t & 1) { case 0: t++; break; } t; });
			break;
		case 2:
			if (f(i) > 5)
				break;
			/* fall through */
		default:
			out -= fp(f(i));
		}
		out *= 2;
	}
	printf("out=%d i=%d\n", out, i);
	while (({ int k; switch (f(out) & 3) { case 0: k = 0; break; default: k = 1; } k; }))
		out = g(out);
	printf("out=%d calls=%d\n", out, calls);
	return 0;
}
