// SPDX-License-Identifier: GPL-2.0
/*
 * Call-free loops over pointers and in while/do form: a pointer walking an
 * array to its end, a string scan, a reversed copy, while and do/while
 * counted loops, a loop that runs 0 times, and a loop whose counter has
 * its address taken.
 */
#include <stdio.h>

static int data[9000];

static void bump(int *p)
{
	*p += 2;
}

int main(void)
{
	const char *str = "the quick brown fox jumps over the lazy dog";
	int *p, *end = data + 9000, i, n, spaces = 0;
	const char *q;
	long s = 0;
	char rev[64];

	for (p = data, i = 0; p < end; p++, i++)
		*p = i * 7 % 1000;
	for (p = data; p != end; p++)
		s += *p;
	printf("sum=%ld last=%d\n", s, (int)(p - data));
	for (q = str; *q; q++)
		spaces += *q == ' ';
	printf("spaces=%d len=%d\n", spaces, (int)(q - str));
	n = (int)(q - str);
	for (i = 0; i < n; i++)
		rev[i] = str[n - 1 - i];
	rev[n] = 0;
	printf("%s\n", rev);
	i = 0;
	while (i < 7000)
		s -= data[i++];
	printf("while: %ld %d\n", s, i);
	i = 0;
	do
		s += data[i] & 1;
	while (++i < 6500);
	printf("do: %ld %d\n", s, i);
	for (p = end; p < end; p++)
		s = -1;
	printf("zero times: %ld\n", s);
	for (i = 0; i < 6000; i++)
		if (i == 3000)
			bump(&i);
	printf("address taken: %d\n", i);
	n = 0;
	for (p = data + 8999; p > data + 1; p -= 2)
		n += *p > 500;
	printf("backwards: %d\n", n);
	return 0;
}
