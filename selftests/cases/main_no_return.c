// SPDX-License-Identifier: GPL-2.0
/*
 * main(void) without a return statement: reaching the closing brace
 * returns 0, so the exit status must be 0 in the instrumented build too,
 * whatever the runtime's wrapper around main returns.
 */
#include <stdio.h>

static int noisy(int v)
{
	printf("noisy %d\n", v);
	return v + 37;
}

int main(void)
{
	int v = noisy(5);

	printf("%d\n", noisy(v));
}
