// SPDX-License-Identifier: GPL-2.0
/*
 * Callees that are calls returning pointers to functions returning
 * structures: get()(a).x, nested in each other's arguments, a table
 * indexed by a member of a returned structure, and a conditional callee.
 * Each call is a continuation point of its own.
 */
#include <stdio.h>
struct pt { int x, y; };
static int calls;
static struct pt mk(int v) { calls++; return (struct pt){ v, v * 2 }; }
static struct pt (*getmk(void))(int) { calls++; return mk; }
static struct pt (*tbl[2])(int) = { mk, mk };
int main(void)
{
	int s = getmk()(3).x + getmk()(getmk()(2).y).y + tbl[mk(1).x](4).y;
	struct pt p = (calls > 3 ? getmk() : tbl[0])(5);
	printf("%d %d %d calls=%d\n", s, p.x, p.y, calls);
	return 0;
}
