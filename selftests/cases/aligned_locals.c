// SPDX-License-Identifier: GPL-2.0
/*
 * Address-taken locals that live on the side stack with an alignment of
 * their own beyond 16 (_Alignas, __attribute__((aligned))), allocated after
 * locals whose sizes leave the side stack's top at 16 modulo 64, at several
 * recursion depths: each must get its alignment, as on the native stack.
 */
#include <stdint.h>
#include <stdio.h>

static int bad;

static void check(const char *what, const void *p, unsigned long align)
{
	if ((uintptr_t)p % align)
		bad++, printf("%s misaligned\n", what);
}

static int depth(int n)
{
	char pad[24];
	_Alignas(32) int a32[3];
	int b = n;
	_Alignas(64) char a64[5];
	__attribute__((aligned(128))) short a128[2];
	int r;

	check("pad", pad, 1);
	check("a32", a32, 32);
	check("a64", a64, 64);
	check("a128", a128, 128);
	a32[0] = n;
	a64[0] = (char)n;
	a128[0] = (short)n;
	pad[0] = (char)b;
	r = n > 0 ? depth(n - 1) : 0;
	return r + a32[0] + a64[0] + a128[0] + pad[0] + (int)(*(&b) - n);
}

int main(void)
{
	int sum = 0;

	for (int i = 0; i < 8; i++)
		sum += depth(i);
	printf("sum %d, %d misaligned\n", sum, bad);
	return 0;
}
