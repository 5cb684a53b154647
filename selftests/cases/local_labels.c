// SPDX-License-Identifier: GPL-2.0
/*
 * Local labels (__label__) in a statement-expression macro expanded three
 * times in one function, one expansion inside another call's arguments:
 * flattened into the function, each expansion's label must stay its own.
 */
#include <stdio.h>
static int calls;
static int f(int v) { calls++; return v; }
#define FIND(arr, n, want) ({ __label__ found; int _i, _r = -1; \
	for (_i = 0; _i < (n); _i++) if (f((arr)[_i]) == (want)) goto found; \
	if (0) { found: _r = _i; } _r; })
int main(void)
{
	int a[] = { 4, 8, 15, 16, 23, 42 };
	int x = FIND(a, 6, 16), y = FIND(a, 6, 99);
	printf("%d %d %d calls=%d\n", x, y, FIND(a, 6, f(42)), calls);
	return 0;
}
