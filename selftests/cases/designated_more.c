// SPDX-License-Identifier: GPL-2.0
/*
 * More initializer orders: an array of unknown size completed by
 * designators, a two-dimensional array filled by brace elision and then
 * overridden, nested member/element designator chains with a union
 * member switched, a compound literal argument with nested designators,
 * a vector initializer, and a structure holding a pointer to a structure
 * with a flexible array member.
 */
#include <stdio.h>
static unsigned seq;
static int f(int v) { printf("f%d ", v); seq = seq * 3 + v; return v; }
struct fl { int n; int d[]; };
struct deep { struct { int c[3]; } b[3]; union { int i; float x; } u; char s[4]; };
typedef int v4 __attribute__((vector_size(16)));
static int take(struct deep d) { return d.b[2].c[1] + d.u.i + d.s[0]; }
int main(void)
{
	int a[] = { [3] = f(3), f(4), [1] = f(1) };
	printf("| %zu %d %d\n", sizeof(a), a[1], a[4]);
	int m[2][3] = { f(1), f(2), f(3), [1][2] = f(4), [0][1] = f(5), f(6) };
	printf("| %d %d %d %d\n", m[0][1], m[0][2], m[1][0], m[1][2]);
	struct deep d = { .s = "ab", .b[2].c[1] = f(7), .b[0] = { { f(8), [2] = f(9) } }, .u.x = 1.5f, .u.i = f(2) };
	printf("| %d %d %d %s\n", d.b[2].c[1], d.b[0].c[2], d.u.i, d.s);
	printf("| %d\n", take((struct deep){ .u = { f(3) }, .b = { [2].c = { 0, f(4) } }, .s = { 'x', f(5) } }));
	v4 v = { f(4), f(3), f(9) };
	printf("| %d %d\n", v[0], v[1]);
	int k = 0;
	while (__builtin_expect(f(k) < 2, 1))
		k++;
	struct { int a; struct fl *p; } w = { .p = 0, .a = f(11) };
	printf("| %d seq=%u\n", w.a, seq);
	return 0;
}
