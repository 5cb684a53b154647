// SPDX-License-Identifier: GPL-2.0
/*
 * Statement expressions that jump: break and continue of the enclosing
 * loop from inside ({ ... }), return from inside one, goto out of one,
 * nested statement expressions, and statement expressions in a loop's
 * condition and increment.  The calls before the jump must have run, the
 * ones after it must not, and continue must still run the increment.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static int g(int v)
{
	calls += 100;
	return v * 2;
}

static int early(int n)
{
	int acc = 0;

	for (int i = 0; i < n; i++)
		acc += ({
			int t = f(i);

			if (t == 3)
				return acc + g(t);
			t + g(1);
		});
	return -1;
}

int main(void)
{
	int total = 0, i, j;

	for (i = 0; i < 10; i++) {
		total += ({
			int v = f(i);

			if (v % 3 == 0)
				continue;
			if (v == 8)
				break;
			g(v);
		});
		total += ({ int w = ({ int z = f(i * 10); z > 40 ? g(z) : z; }); w + 1; });
	}
	printf("A total=%d i=%d calls=%d\n", total, i, calls);

	for (i = 0, j = 0; ({ int c = f(i) < 6; c; }); i++, ({ j += g(i); })) {
		if (({ int k = f(i) & 1; k; }))
			continue;
		total -= j;
	}
	printf("B total=%d i=%d j=%d calls=%d\n", total, i, j, calls);

	i = 0;
	while (i < 20) {
		i += ({
			int step = f(i) < 5 ? 1 : 3;

			if (i == 11)
				goto out;
			switch (g(i) % 4) {
			case 0:
				step += f(1);
				break;	/* leaves the switch only */
			default:
				break;
			}
			step;
		});
	}
out:
	printf("C i=%d calls=%d\n", i, calls);
	printf("D %d %d calls=%d\n", early(10), early(2), calls);
	return 0;
}
