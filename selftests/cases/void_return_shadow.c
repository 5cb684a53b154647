// SPDX-License-Identifier: GPL-2.0
/*
 * "return g(...);" in a void function (a GNU C extension) whose locals are
 * on the side stack: the return releases them, and there is no value to
 * keep across the release.
 */
#include <stdio.h>

static int sink;

static void g(int *p)
{
	sink += *p;
}

static void f(int x)
{
	int y = x * 2;

	if (x & 1)
		return g(&y);
	g(&y);
}

int main(void)
{
	for (int i = 0; i < 10; i++)
		f(i);
	printf("%d\n", sink);
	return 0;
}
