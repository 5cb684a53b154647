// SPDX-License-Identifier: GPL-2.0
/*
 * Counted loops that do not fit the simple pattern: the bound changes in
 * the body, the counter is changed in the body, counts down (i--, --i > 0,
 * i-- > 0 on unsigned), steps by 3 or by a variable, uses <= or !=, a
 * 64-bit or char counter, and a bound in a global written by the body.
 */
#include <stdio.h>

static int limit;

int main(void)
{
	long s = 0;
	int i, n;
	unsigned u;

	n = 5000;
	for (i = 0; i < n; i++)
		if (i % 1000 == 999)
			n -= 1500;
	printf("shrinking bound: i=%d n=%d\n", i, n);

	n = 10;
	for (i = 0; i < n; i++)
		if (n < 3000)
			n += 2;
	printf("growing bound: i=%d n=%d\n", i, n);

	for (i = 0; i < 6000; i++)
		if (i % 1024 == 1000)
			i += 100;
	printf("counter bumped: i=%d\n", i);

	s = 0;
	for (i = 6000; i >= 0; i--)
		s += i;
	printf("i--: %ld %d\n", s, i);
	for (i = 7000; --i > 0;)
		s ^= i;
	printf("--i: %ld %d\n", s, i);
	for (u = 6001; u-- > 0;)
		s += u & 7;
	printf("u--: %ld %u\n", s, u);
	for (i = 1; i < 10000; i += 3)
		s -= i;
	printf("+=3: %ld %d\n", s, i);
	for (n = 7, i = 0; i <= 6000; i += n)
		s += i;
	printf("<= by n: %ld %d\n", s, i);
	for (i = 0; i != 6006; i += 6)
		s += 1;
	printf("!=: %ld %d\n", s, i);
	for (long long k = 1LL << 33; k < (1LL << 33) + 5000; k++)
		s += k & 3;
	printf("long long: %ld\n", s);
	for (unsigned char c = 250; c != 4; c++)
		s += c;
	printf("wrapping char: %ld\n", s);
	limit = 3000;
	for (i = 0; i < limit; i++)
		if (i == 2000)
			limit = 2500;
	printf("global bound: i=%d limit=%d\n", i, limit);
	for (i = 0; i < 10; i++)
		for (n = i; n < i * 700; n++)
			s += n % 3;
	printf("dependent inner: %ld %d %d\n", s, i, n);
	return 0;
}
