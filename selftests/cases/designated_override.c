// SPDX-License-Identifier: GPL-2.0
/*
 * Initializers overridden by later ones: a braced list for a subobject
 * overrides everything earlier initializers put anywhere in it (those are
 * never evaluated), a designator for a part of it does not override the
 * rest; brace elision with strings in arrays of structures, and
 * initializers in excess after a designator, which are never evaluated.
 */
#include <stdio.h>
static unsigned seq;
static int f(int v) { printf("f%d ", v); seq = seq * 3 + v; return v; }
struct rec { char a[4]; int b; };
struct wrap { struct rec r[2]; int tail; };
struct inner { int a, b; };
struct outer { int id; struct inner in; };
static void braced(void)
{
	struct outer o = { .in.b = f(1), .in = { f(2) }, .id = f(3) };
	printf("| %d %d %d\n", o.id, o.in.a, o.in.b);
	struct outer p = { .in = { .b = f(4) }, .in.a = f(5) };
	printf("| %d %d\n", p.in.a, p.in.b);
}

int main(void)
{
	struct rec arr[2] = { "ab", f(1), "cd", f(2) };
	printf("| %s %d %s %d\n", arr[0].a, arr[0].b, arr[1].a, arr[1].b);
	struct wrap w = { { [1].b = f(3), { "x", f(4) } }, f(5) };
	printf("| %s %d %d %d\n", w.r[0].a, w.r[0].b, w.r[1].b, w.tail);
	struct wrap w2 = { .tail = f(6), .r[1] = { .b = f(7) }, .r = { [0].b = f(8) } };
	printf("| %d %d %d\n", w2.r[0].b, w2.r[1].b, w2.tail);
	int m[3][2] = { [2] = { f(9) }, { f(10), f(11) } };
	printf("| %d %d %d seq=%u\n", m[2][0], m[0][1], m[1][0], seq);
	braced();
	return 0;
}
