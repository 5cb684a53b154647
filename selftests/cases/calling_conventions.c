// SPDX-License-Identifier: GPL-2.0
/*
 * Recursive functions with another calling convention (ms_abi,
 * preserve_most): the rebuild entry is declared without the attribute,
 * so the ordinary version cannot enter it with a musttail call and makes
 * an ordinary one.
 */
#include <stdio.h>
static int calls;
static int f(int v) { calls++; return v; }
__attribute__((ms_abi)) static int msf(int a, int b) { return a > 0 ? msf(a - 1, b + f(a)) : b; }
static int __attribute__((preserve_most)) pm(int a) { return a ? pm(a - 1) + f(1) : 0; }
int main(void)
{
	printf("%d %d calls=%d\n", msf(10, 0), pm(5), calls);
	return 0;
}
