// SPDX-License-Identifier: GPL-2.0
/*
 * Loop nests without calls into instrumented code that move pointers: a
 * frame rebuilt at one of their heads resumes in the nest's copy
 * (instrumentor.rst, "Loops the restore resumes in a copy").  Strip-mined
 * loops longer than a strip, nests whose inner loops poll, break and
 * continue at both depths, a switch inside a loop, a loop inside a switch
 * case, a forward goto out of a nest; and loops that are not copied: a
 * label inside, a case of an outer switch inside, one that only counts.
 * The unwind run resumes them at every third update point.
 *
 * upstare-test: unwind=3
 */
#include <stdio.h>

#define N 3000

static int v[N];

static long nest(int n)
{
	long s = 0;
	const int *p;

	for (int i = 0; i < n; i++) {
		if (i % 7 == 3)
			continue;
		p = v + i;
		for (int j = i; j < n; j += 97, p += 97) {
			if (j % 11 == 5)
				continue;
			s += (long)*p * (i + 1);
			if (s > 1000000000L)
				s %= 999983;
			if (j > 2 * n)
				break;
		}
		if (s < 0)
			break;
	}
	return s;
}

static int with_switch(int n)
{
	int acc = 0;
	const int *q = v;

	while (q < v + n) {
		switch (*q % 4) {
		case 0:
			acc += 3;
			break;
		case 1:
			for (int j = 0; j < *q % 13; j++)
				acc ^= j << (j % 5);
			break;
		default:
			acc -= *q % 17;
		}
		q++;
	}
	return acc;
}

static int goto_out(int n, int stop)
{
	int i, j, found = -1;
	const int *a, *b;

	for (i = 0, a = v; i < n; i++, a++)
		for (j = 0, b = v; j < n; j++, b++)
			if (*a + *b == stop) {
				found = i * n + j;
				goto done;
			}
done:
	return found;
}

static int labelled(int n)
{
	int s = 0, i = 0;
	const int *p = v;

	do {
		s += *p++;
		if (s % 5 == 0)
			goto again;
		s ^= i;
again:
		i++;
	} while (i < n);
	return s;
}

static int duff(int count)
{
	int s = 0, n = (count + 3) / 4;
	const int *p = v;

	switch (count % 4) {
	case 0:
		do {
			s += *p++;
	case 3:
			s += *p++;
	case 2:
			s += *p++;
	case 1:
			s += *p++;
		} while (--n > 0);
	}
	return s;
}

static long count_only(int n)
{
	long s = 0;

	for (int k = 0; k < n; k++)
		s = s * 31 + v[k] % 7;
	return s;
}

int main(void)
{
	unsigned seed = 2024;
	unsigned long long h = 0;
	int i = 0;
	int *w = v;

	do {
		seed = seed * 1103515245 + 12345;
		*w++ = (seed >> 16) % 1000;
	} while (++i < N);
	while (w > v) {
		w--;
		h = h * 1000003 + (unsigned)*w;
	}
	printf("fill %llx\n", h);
	printf("nest %ld\n", nest(N));
	printf("switch %d\n", with_switch(N));
	printf("goto %d %d\n", goto_out(200, v[17] + v[42]), goto_out(100, -1));
	printf("labelled %d\n", labelled(N));
	printf("duff %d %d %d\n", duff(N), duff(N - 1), duff(7));
	printf("count %ld\n", count_only(N));
	return 0;
}
