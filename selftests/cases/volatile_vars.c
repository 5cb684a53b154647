// SPDX-License-Identifier: GPL-2.0
/*
 * volatile locals and globals: a volatile loop counter, a volatile written
 * from a call result, a pointer to volatile, and a volatile struct member.
 * Hoisting must keep them volatile and keep every access.
 */
#include <stdio.h>

volatile int g_count;

struct dev {
	volatile unsigned status;
	int other;
};

static int get(int v)
{
	return v + g_count;
}

int main(void)
{
	volatile int i, acc = 0;
	volatile long v = get(5);
	struct dev d = { 0, 1 };
	volatile unsigned *reg = &d.status;

	for (i = 0; i < 5000; i++) {
		acc += i & 3;
		g_count++;
	}
	v += get(1);
	*reg = get(7);
	*reg |= 0x100;
	printf("%d %d %ld %u %d\n", i, acc, v, d.status, g_count);
	return 0;
}
