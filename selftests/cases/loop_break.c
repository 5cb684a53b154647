// SPDX-License-Identifier: GPL-2.0
/*
 * break out of loops whose heads contain calls, out of nested loops, out of
 * a switch inside a loop (which only leaves the switch), and the values the
 * loop variables keep afterwards.
 */
#include <stdio.h>

static int seen;

static int probe(int v)
{
	seen++;
	return v * v;
}

int main(void)
{
	int i, j, found = -1;

	for (i = 0; probe(i) < 1000; i++)
		if (probe(i) > 50)
			break;
	printf("i=%d seen=%d\n", i, seen);

	for (i = 0; i < 5 && found < 0; i++)
		for (j = 0; j < 5; j++)
			if (probe(i) + probe(j) == 25) {
				found = i * 10 + j;
				break;
			}
	printf("found=%d i=%d j=%d seen=%d\n", found, i, j, seen);

	i = 0;
	while (1) {
		switch (probe(i) % 4) {
		case 0:
			i += 3;
			break;
		case 1:
			i += 1;
			break;
		default:
			i = -1;
		}
		if (i < 0 || i > 20)
			break;
	}
	printf("i=%d seen=%d\n", i, seen);

	i = 0;
	do {
		if (probe(i++) > 30)
			break;
	} while (probe(0) == 0);
	printf("i=%d seen=%d\n", i, seen);
	return 0;
}
