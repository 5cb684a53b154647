// SPDX-License-Identifier: GPL-2.0
/*
 * Small call-free loops, the ones upstare-cc strip-mines with the strip's
 * counter at the latch and the condition first in the body, which the
 * optimizer unrolls (instrumentor.rst, "Loops"): pointer walks that stop
 * on a byte, a move-to-front search, a do-while with continue, break in
 * the middle, a loop that moves its own index and a condition with a side
 * effect, each run 0, 1, 2, 3, 1023, 1024, 1025, 2047, 2048 and 2049
 * times.
 */
#include <stdio.h>
#include <string.h>

static char text[4200];
static unsigned char order[256];

/* the classic scan: stops at c or at the end */
static long scan(const char *p, char c)
{
	const char *s = p;

	while (*p && *p != c)
		p++;
	return (long)(p - s);
}

/* bzip2's move-to-front search: the position of v, moved to the front */
static int mtf(unsigned char v)
{
	unsigned char *q = &order[0], prev = order[0], cur;
	int j = 0;

	if (prev == v)
		return 0;
	q++;
	cur = *q;
	*q = prev;
	j++;
	while (cur != v) {
		unsigned char t = cur;

		q++;
		cur = *q;
		*q = t;
		j++;
	}
	order[0] = v;
	return j;
}

static long do_continue(int n)
{
	long s = 0;
	int i = 0;

	do {
		i++;
		if (i % 3 == 0)
			continue;
		s += i;
	} while (i < n);
	return s * 10 + i;
}

static long break_middle(int n, int stop)
{
	long s = 0;
	int i = 0;

	while (i < n) {
		s += i;
		if (i == stop)
			break;
		i++;
	}
	return s * 10 + i;
}

/* the condition's side effect runs once a pass, and once more at the end */
static long side_effect(const char *p, char c)
{
	long n = 0;

	while (*p++ != c)
		n++;
	return n * 1000 + (p[-1] == c);
}

static long own_index(int n)
{
	long s = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (i & 1)
			i++;
		s += i;
	}
	return s * 10 + i;
}

int main(void)
{
	static const int counts[] = { 0, 1, 2, 3, 1023, 1024, 1025, 2047, 2048, 2049 };
	unsigned long sum = 0;

	for (unsigned k = 0; k < sizeof(counts) / sizeof(counts[0]); k++) {
		int n = counts[k];

		memset(text, 'a', sizeof(text) - 1);
		text[n] = 'x';
		printf("scan %d: %ld %ld %ld\n", n, scan(text, 'x'), scan(text + 1, 'y'),
		       side_effect(text, 'x'));
		printf("loops %d: %ld %ld %ld %ld\n", n, do_continue(n), break_middle(n, n / 2),
		       break_middle(n, n + 5), own_index(n));
	}
	for (int i = 0; i < 256; i++)
		order[i] = (unsigned char)(255 - i);
	for (int i = 0; i < 20000; i++)
		sum = sum * 31 + mtf((unsigned char)((i * 7919) ^ (i >> 3)));
	printf("mtf %lu\n", sum);
	return 0;
}
