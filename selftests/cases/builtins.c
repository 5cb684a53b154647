// SPDX-License-Identifier: GPL-2.0
/*
 * Builtins wrapping calls: __builtin_expect around calls (the call must run
 * once), __builtin_memcpy, __builtin_constant_p and
 * __builtin_types_compatible_p (which do not evaluate their argument),
 * __builtin_offsetof, and bit and overflow builtins applied to calls.
 * (__builtin_choose_expr with calls is in choose_expr.c.)
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

struct s {
	char c;
	int i;
	long l;
};

int main(void)
{
	char dst[16] = { 0 };
	int n = 0;

	if (__builtin_expect(f(1), 1))
		n++;
	if (__builtin_expect(f(0) == 0, 0))
		n += 10;
	printf("n=%d calls=%d\n", n, calls);
	__builtin_memcpy(dst, "memcpy!", (unsigned long)f(8));
	printf("%s calls=%d\n", dst, calls);
	n = __builtin_constant_p(f(3));
	printf("constant_p=%d calls=%d\n", n, calls);
	n = __builtin_types_compatible_p(__typeof__(f(1)), int);
	printf("compatible=%d calls=%d\n", n, calls);
	printf("offset=%zu\n", __builtin_offsetof(struct s, l));
	n = __builtin_popcount((unsigned)f(0xff0f)) + __builtin_clz((unsigned)f(1)) +
	    __builtin_ctzll((unsigned long long)f(64));
	printf("bits=%d calls=%d\n", n, calls);
	n = 0;
	if (__builtin_add_overflow(f(0x7fffffff), f(1), &n))
		printf("overflow n=%d calls=%d\n", n, calls);
	return 0;
}
