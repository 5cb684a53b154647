// SPDX-License-Identifier: GPL-2.0
/*
 * Unnamed parameters (C23, accepted by clang as an extension): the
 * ordinary version hands over to its rebuild entry, and a
 * non-reconstructible function returns, naming every parameter.
 */
#include <stdio.h>
static int calls;
int second(void);
static int h(int, int b) { calls++; return b * 2; }
static int (*hp)(int, int) = h;
int main(void)
{
	int s = 0;
	for (int i = 0; i < 5; i++)
		s += hp(i, i + 1) + h(0, i);
	printf("%d %d %d\n", s, calls, second());
	return 0;
}
static int vla_user(int n, int)
{
	int v[n];

	for (int i = 0; i < n; i++)
		v[i] = i;
	return v[n - 1];
}

int second(void)
{
	return vla_user(3, 0);
}
