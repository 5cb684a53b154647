// SPDX-License-Identifier: GPL-2.0
/*
 * Designated initializers with calls: out of order, nested members and
 * array elements, the GNU range form [a ... b], and the zero-filling of
 * members not named, in automatic and static storage.
 */
#include <stdio.h>

struct inner {
	int a, b;
};

struct outer {
	int id;
	struct inner in;
	int arr[6];
	const char *name;
};

static int order;

static int f(int v)
{
	order++;
	printf("f%d ", v);
	return v;
}

static const struct outer fixed = {
	.name = "static",
	.arr = { [4] = 40, [1] = 10 },
	.in.b = 2,
};

int main(void)
{
	struct outer o = {
		.name = "auto",
		.in = { .b = f(2), .a = f(1) },
		.arr[3] = f(3),
		.id = f(9),
	};
	int range[10] = { [2 ... 5] = 7, [8] = f(8) };
	struct inner pairs[3] = { [2] = { f(20), f(21) }, [0].b = f(1) };

	printf("\n%d %d %d %s:", o.id, o.in.a, o.in.b, o.name);
	for (int i = 0; i < 6; i++)
		printf(" %d", o.arr[i]);
	printf("\n");
	for (int i = 0; i < 10; i++)
		printf("%d ", range[i]);
	printf("\n%d %d %d %d %d %d\n", pairs[0].a, pairs[0].b, pairs[1].a, pairs[1].b,
	       pairs[2].a, pairs[2].b);
	printf("%s %d %d %d %d order=%d\n", fixed.name, fixed.arr[1], fixed.arr[4], fixed.in.a,
	       fixed.in.b, order);
	return 0;
}
