// SPDX-License-Identifier: GPL-2.0
/*
 * The comma operator with calls: left to right, every operand once, the
 * value of the last; in for headers, conditions, arguments and returns.
 */
#include <stdio.h>

static int trace[64], ntrace;

static int step(int v)
{
	trace[ntrace++] = v;
	return v;
}

static int last(int a)
{
	return step(a), step(a + 1), step(a + 2);
}

int main(void)
{
	int i, j, r;

	r = (step(1), step(2), step(3));
	printf("r=%d\n", r);
	for (i = step(10), j = step(20); step(i) < 12; i++, j = step(j + 1))
		;
	printf("i=%d j=%d\n", i, j);
	if (step(0), step(5) > 4)
		printf("comma condition\n");
	r = last(30);
	printf("last=%d\n", r);
	printf("arg=%d\n", (step(40), step(41)));
	i = 0;
	while (step(100 + i), i++ < 3)
		;
	printf("i=%d\n", i);
	for (i = 0; i < ntrace; i++)
		printf("%d%c", trace[i], i + 1 < ntrace ? ' ' : '\n');
	return 0;
}
