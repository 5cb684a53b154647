// SPDX-License-Identifier: GPL-2.0
/*
 * GNU statement expressions containing calls and declarations: as
 * initializers, in conditions, nested, in a macro that evaluates its
 * arguments once, with locals that shadow outer ones, and with a loop.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v + 1;
}

#define MAX(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })

int main(void)
{
	int x = 10;
	int r = ({ int x = f(1); int y = f(x); x * y; });

	printf("r=%d x=%d\n", r, x);
	if (({ int t = f(x); t > 10; }))
		printf("cond\n");
	r = MAX(f(3), f(1));
	printf("max=%d calls=%d\n", r, calls);
	r = ({ int s = 0; for (int i = 0; i < 5; i++) s += f(i); s; });
	printf("sum=%d\n", r);
	r = ({ int a = ({ int b = f(f(0)); b * 10; }); a + f(a); });
	printf("nested=%d\n", r);
	while (({ int v = f(x); x = v; v < 15; }))
		if (x == 13)
			continue;
	printf("x=%d\n", x);
	r = x > 0 ? ({ int z = f(x); z * 2; }) : ({ int z = f(-x); z; });
	printf("r=%d calls=%d\n", r, calls);
	return 0;
}
