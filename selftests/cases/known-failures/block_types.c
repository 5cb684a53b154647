// SPDX-License-Identifier: GPL-2.0
/*
 * Types defined at block scope: a struct, a union, an enum and a typedef
 * declared inside nested blocks, two different "struct pair" in sibling
 * blocks, and a block-scope struct that shadows a file-scope one.  Locals
 * of these types live across calls, so hoisting them must keep each type
 * visible where it is used.
 */
#include <stdio.h>

struct pair {
	long first, second;
};

static int twice(int v)
{
	return 2 * v;
}

static long outer_sum(struct pair p)
{
	return p.first + p.second;
}

int main(void)
{
	struct pair file_scope = { 1, 2 };
	long total = outer_sum(file_scope);

	{
		struct pair {
			char tag;
			int value;
		} p = { 'a', twice(10) };
		union num {
			int i;
			unsigned char b[4];
		} u = { .i = twice(0x01010101) };
		enum level { LOW = 3, HIGH = 7 } lv = HIGH;
		typedef struct pair local_pair;
		local_pair copy = p;

		copy.value += twice(lv);
		total += p.tag + p.value + copy.value + u.b[0] + LOW;
	}
	for (int i = 0; i < 3; i++) {
		struct pair {
			double x;
			int n;
		} q = { i * 0.5, twice(i) };
		enum level { LOW = 100 } base = LOW;

		total += (long)(q.x * 10) + q.n + base + twice(q.n);
	}
	total += outer_sum((struct pair){ twice(3), 4 });
	printf("total=%ld\n", total);
	return 0;
}
