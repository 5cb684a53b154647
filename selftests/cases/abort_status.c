/* upstare-test: status=134 */
// SPDX-License-Identifier: GPL-2.0
/*
 * A program that ends with abort() from a nested call: it dies of SIGABRT
 * in both builds, after the output it flushed.
 */
#include <stdio.h>
#include <stdlib.h>

static void check(int v)
{
	if (v > 2) {
		printf("aborting at %d\n", v);
		fflush(stdout);
		abort();
	}
}

static int step(int v)
{
	check(v);
	printf("step %d\n", v);
	return v + 1;
}

int main(void)
{
	int v = 0;

	for (;;)
		v = step(v);
}
