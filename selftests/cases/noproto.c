// SPDX-License-Identifier: GPL-2.0
/*
 * Functions defined without a prototype, "int f()" (no parameters, so not
 * old-style definitions with parameters, which are non-reconstructible),
 * one of them declared "(void)" before: they are instrumented and rebuilt,
 * recursively and from main.
 */
#include <stdio.h>

static int depth;

static void report(void);

static void report()
{
	printf("depth=%d\n", depth);
}

static int down()
{
	if (depth == 50)
		return depth;
	depth++;
	return down() + 1;
}

int main()
{
	int r = down();

	report();
	printf("r=%d\n", r);
	return 0;
}
