// SPDX-License-Identifier: GPL-2.0
/*
 * The order in which clang evaluates initializers: by the subobject they
 * initialize, not by source order, whatever the designators, brace
 * elision and the "current object" make that subobject; and initializers
 * overridden by a later designator, or in excess, are never evaluated.
 * Structures, unions, bit-fields, anonymous members, arrays of structures,
 * compound literals and structure-valued initializers.
 */
#include <stdio.h>

static unsigned seq;

static int f(int v)
{
	printf("f%d ", v);
	seq = seq * 3 + v;
	return v;
}

struct inner {
	int a, b;
};

struct outer {
	int id;
	struct inner in;
	int arr[4];
	char name[6];
};

union u {
	int i;
	char c[4];
};

struct bits {
	int x : 3, : 2, y : 5;
	int z;
};

struct anon {
	int head;
	struct {
		int p, q;
	};
	union {
		int r;
		short s;
	};
	int tail;
};

static struct inner mk(int a)
{
	printf("mk%d ", a);
	return (struct inner){ a, -a };
}

static void show(const char *what, const int *v, int n)
{
	printf("| %s:", what);
	for (int i = 0; i < n; i++)
		printf(" %d", v[i]);
	printf(" seq=%u\n", seq);
}

int main(void)
{
	const struct inner ci = { 7, 8 };

	struct outer p = { f(1), f(2), f(3), .arr[2] = f(4), f(5), .in.a = f(6), f(7), f(8) };
	show("p", (int[]){ p.id, p.in.a, p.in.b, p.arr[0], p.arr[2], p.arr[3] }, 6);

	struct inner ov = { .a = f(1), .b = f(2), .a = f(3) };
	show("ov", (int[]){ ov.a, ov.b }, 2);

	union u un = { .i = f(1), .c[1] = (char)f(2) };
	show("u", (int[]){ un.c[1] }, 1);

	struct bits bt = { .z = f(3), .y = f(2), .x = f(1) };
	show("bits", (int[]){ bt.x, bt.y, bt.z }, 3);

	struct anon an = { .tail = f(4), .q = f(2), f(3), .head = f(1), .p = f(5) };
	show("anon", (int[]){ an.head, an.p, an.q, an.r, an.tail }, 5);

	struct outer q = { .name = "abc", .in = { f(2) }, .in.b = f(1), .id = f(3) };
	show("q", (int[]){ q.id, q.in.a, q.in.b, q.name[0] }, 4);

	struct outer r = { 9, ci, { [3] = f(3), [1] = f(1) }, "xy" };
	show("r", (int[]){ r.in.a, r.in.b, r.arr[1], r.arr[3] }, 4);

	struct outer s = { .arr = { f(4), f(3) }, .in = mk(f(2)), .id = f(1) };
	show("s", (int[]){ s.id, s.in.a, s.in.b, s.arr[0], s.arr[1] }, 5);

	struct inner pairs[3] = { [2] = { f(20), f(21) }, [0].b = f(1), f(5), f(6) };
	show("pairs", (int[]){ pairs[0].b, pairs[1].a, pairs[1].b, pairs[2].a }, 4);

	struct inner flat[2] = { f(1), f(2), f(3), f(4) };
	show("flat", (int[]){ flat[0].a, flat[1].b }, 2);

	int range[8] = { [1 ... 3] = 7, [5] = f(5), [0] = f(0), f(9) };
	show("range", range, 8);

	struct inner tail = { .b = f(1), f(2) };	/* f(2) is in excess */
	show("tail", (int[]){ tail.a, tail.b }, 2);

	/* a structure-valued initializer overridden in part is still evaluated */
	struct outer w = { .arr[1] = f(9), .in = mk(f(1)), .in.b = f(2), .id = f(3) };
	show("w", (int[]){ w.id, w.in.a, w.in.b, w.arr[1] }, 4);

	struct outer x = { .in.b = f(2), .in = mk(f(1)), .id = f(3) };
	show("x", (int[]){ x.id, x.in.a, x.in.b }, 3);

	int sum = ((struct inner){ .b = f(2), .a = f(1) }).a + ((int[]){ [1] = f(4), f(3) })[2];
	show("literal", (int[]){ sum }, 1);
	return 0;
}
