// SPDX-License-Identifier: GPL-2.0
/*
 * Operands of sizeof, typeof, _Alignof and _Generic's controlling
 * expression are not evaluated: a call there must not be hoisted into a
 * statement that runs it.  (sizeof of a variable-length array type is the
 * exception; see vla.c.)
 */
#include <stdio.h>

static int calls;

struct big {
	char pad[40];
	double d;
};

static struct big make(void)
{
	struct big b = { { 0 }, 1.0 };

	calls++;
	return b;
}

static long g(int v)
{
	calls++;
	return v;
}

static int *ptr(void)
{
	calls++;
	return 0;
}

int main(void)
{
	unsigned long s = sizeof(make()) + sizeof g(1) + sizeof(*ptr());
	__typeof__(g(2)) t = 5;
	__typeof__(make()) b;
	unsigned long al = _Alignof(__typeof__(make()));
	unsigned long al2 = __alignof__(g(3));
	int n = 0;

	b.d = 2.0;
	n += sizeof(g(n++));
	printf("s=%lu t=%ld sizeof(t)=%zu d=%.1f al=%lu al2=%lu n=%d calls=%d\n", s, t,
	       sizeof(t), b.d, al, al2, n, calls);
	s = sizeof(int[sizeof(g(4))]);
	printf("s=%lu calls=%d\n", s, calls);
	return calls;
}
