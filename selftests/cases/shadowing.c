// SPDX-License-Identifier: GPL-2.0
/*
 * Block-scope locals that shadow outer locals, parameters and globals.
 * Hoisting locals to function scope must rename them, and a call made
 * while an inner variable shadows a global must still see the global.
 * Each for loop that declares its counter is a block of its own.
 */
#include <stdio.h>

int x = 1000;
static int y = 2000;

static int read_globals(void)
{
	return x + y;
}

static int shadow_param(int x)
{
	int r = x;

	{
		int x = r * 2;

		r += x;
		{
			long x = r * 3L;

			r += (int)x + read_globals();
		}
		r += x;
	}
	return r + x;
}

int main(void)
{
	int x = 1, total = 0;

	printf("globals=%d\n", read_globals());
	{
		int x = 2;
		int y = x + read_globals();

		total += x + y;
		{
			double x = 2.5;
			char y = 'y';

			total += (int)(x * 2) + y + read_globals();
		}
		total += x * 100 + y;
	}
	for (int x = 5; x < 8; x++) {
		int y = x * x;

		total += y;
		for (int x = 0; x < 2; x++)
			total += x + y;
	}
	/* a loop of its own declares another x, with calls in all three clauses */
	for (long x = read_globals(); x < read_globals() + 3; x += read_globals() / 3000)
		total += (int)(x % 7);
	{
		int x = shadow_param(3);

		total += x;
	}
	{
		unsigned char x = 250;

		x += 10;
		total += x;
	}
	printf("x=%d total=%d globals=%d\n", x, total, read_globals());
	return 0;
}
