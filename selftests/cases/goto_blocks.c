// SPDX-License-Identifier: GPL-2.0
/*
 * goto into and out of blocks whose locals are hoisted to function scope:
 * jumping over a declaration with an initializer that calls (which must
 * not run), out of nested blocks and loops, a backward goto that runs a
 * block's initializer again, sibling blocks declaring the same name, and a
 * local whose address is taken in a block that a goto re-enters.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static int search(int (*m)[4], int want)
{
	for (int r = 0; r < 4; r++)
		for (int c = 0; c < 4; c++)
			if (f(m[r][c]) == want) {
				int where = r * 4 + c;

				if (where)
					goto found;
				return 0;
found:
				return where + f(0);
			}
	return -1;
}

int main(void)
{
	int m[4][4], round = 0, acc = 0;

	for (int i = 0; i < 16; i++)
		m[i / 4][i % 4] = i * 3 % 16;
	goto skip;
	{
		int never = f(1000);

		acc += never;
skip:
		never = f(7);	/* the initializer above did not run */
		acc += never;
	}
again:
	{
		int x = f(round * 10);
		int *px = &x;

		{
			int x = f(1);	/* a sibling scope's x, renamed when hoisted */

			*px += x;
		}
		acc += *px;
		if (++round < 3)
			goto again;
	}
	{
		int x = f(-1);

		for (int i = 0; i < 5; i++) {
			if (f(i) == 3)
				goto leave;
			x += i;
		}
leave:
		acc += x;
	}
	printf("acc=%d s=%d %d %d calls=%d\n", acc, search(m, 9), search(m, 0), search(m, 99),
	       calls);
	return 0;
}
