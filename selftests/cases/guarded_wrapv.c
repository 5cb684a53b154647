// SPDX-License-Identifier: GPL-2.0
/*
 * Under -fwrapv a signed counter wraps as an unsigned one does, so a loop
 * that counts "<=" up to INT_MAX runs on past it and is not guarded
 * (instrumentor.rst, "Loops that end by themselves"): it polls on every
 * pass, 1501 of them here, while the loop counting up to 300, run 20
 * times, is guarded and polls on none.  The count is those passes, the
 * function entries and main's loop: 1544.  Were the wrapping loop guarded,
 * it would be 43; were no loop guarded, 7564.
 *
 * upstare-test: cflags="-fwrapv" unwind=1 rebuilds=1530-1560
 */
#include <limits.h>
#include <stdio.h>

#define MIX(acc, x) do { (acc) = (acc) * 31 + (unsigned)(x); } while (0)

static unsigned up_to_max(int stop)
{
	unsigned acc = 1;

	for (int i = INT_MAX - 100; i <= INT_MAX; i++) {
		MIX(acc, i);
		if (i == stop)
			break;
	}
	return acc;
}

static unsigned short_loop(int n)
{
	unsigned acc = 2;

	for (int i = 0; i < n; i++)
		MIX(acc, i * 7);
	return acc;
}

int main(void)
{
	unsigned s = 0;

	for (int r = 0; r < 20; r++)
		s = s * 3 + short_loop(300);
	printf("%08x %08x\n", s, up_to_max(INT_MIN + 1399));
	return 0;
}
