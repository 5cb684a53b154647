// SPDX-License-Identifier: GPL-2.0
/*
 * Calls nested in expressions: calls in array indexes and on both sides of
 * assignments and compound assignments, through returned pointers, as
 * struct members of returned values, and deep nesting.
 */
#include <stdio.h>

static int buf[8];
static unsigned long trace;

static int idx(int i)
{
	trace = trace * 10 + i;
	return i;
}

static int *at(int i)
{
	trace = trace * 10 + i;
	return &buf[i];
}

struct box {
	int v[3];
};

static struct box boxed(int a)
{
	struct box b = { { a, a + 1, a + 2 } };

	return b;
}

static int inc(int x)
{
	return x + 1;
}

int main(void)
{
	buf[idx(1)] = idx(2);
	buf[idx(3)] += idx(4) * buf[idx(1)];
	*at(5) = *at(3) + 1;
	(*at(6))++;
	++*at(6);
	at(7)[0] -= idx(2);
	printf("trace=%lu\n", trace);
	for (int i = 0; i < 8; i++)
		printf("%d ", buf[i]);
	printf("\n%d %d\n", boxed(5).v[2], boxed(boxed(1).v[1]).v[0]);
	printf("%d\n", inc(inc(inc(inc(inc(inc(inc(inc(inc(inc(0)))))))))));
	printf("%d\n", buf[inc(idx(2))] + buf[inc(inc(inc(2)))]);
	return 0;
}
