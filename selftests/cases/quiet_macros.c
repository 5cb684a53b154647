// SPDX-License-Identifier: GPL-2.0
/*
 * Quiet functions (instrumentor.rst): the "do { ... } while (0)" of a macro
 * is no loop, so a function whose only loops are those stays quiet: no
 * update point at its entry, and no continuation point after a call to
 * it.  A real do-while, or a call to a loud function, makes it loud.  The
 * unwind run rebuilds the loud frames at every second update point.
 *
 * upstare-test: unwind=2
 */
#include <stdio.h>

#define SWAP(a, b) do { int t_ = (a); (a) = (b); (b) = t_; } while (0)
#define CLAMP(x, lo, hi) do { if ((x) < (lo)) (x) = (lo); else if ((x) > (hi)) (x) = (hi); } while (0)

// expect-points: order
static int order(int a, int b)
{
	if (a > b)
		SWAP(a, b);
	CLAMP(a, -100, 100);
	return a * 1000 + b;
}

/* calls only a quiet function: quiet too */
// expect-points: twice
static int twice(int a, int b)
{
	return order(a, b) + order(b, a);
}

/* a real do-while: loud */
// expect-points: digits entry loop#1
static int digits(int x)
{
	int n = 0;

	do {
		n++;
		x /= 10;
	} while (x);
	return n;
}

/* calls a loud function: loud */
// expect-points: digits_of_order entry digits#1
static int digits_of_order(int a, int b)
{
	int o = order(a, b);

	return digits(o) * (o > 0 ? 1 : -1);
}

/* a do-while (0) with a break and a continue in it */
// expect-points: odd_once
static int odd_once(int x)
{
	do {
		if (x & 1)
			break;
		x += 3;
		if (x > 50)
			continue;
		x *= 2;
	} while (0);
	return x;
}

// expect-points: main entry loop#1 digits#1 digits_of_order#1
int main(void)
{
	long s = 0;

	for (int i = -300; i < 300; i += 7)
		s += twice(i, 37 - i) + digits(i * 13) + digits_of_order(i, 5 - i) + odd_once(i);
	printf("%ld\n", s);
	return 0;
}
