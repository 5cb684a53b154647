// SPDX-License-Identifier: GPL-2.0
/*
 * Loops whose whole work is in the header: an empty while body with a call
 * in the condition, for(;;) left by break, a do/while with an empty body,
 * and a for whose increment is the only call.
 */
#include <stdio.h>

static int n;

static int dec(void)
{
	return --n;
}

static int inc(int *p)
{
	return ++*p;
}

int main(void)
{
	int i = 0, k;

	n = 10;
	while (dec() > 3)
		;
	printf("n=%d\n", n);
	for (;;)
		if (inc(&i) >= 7)
			break;
	printf("i=%d\n", i);
	n = 5;
	do
		;
	while (dec());
	printf("n=%d\n", n);
	for (k = 0; k < 100; inc(&k))
		;
	printf("k=%d\n", k);
	for (k = 0; inc(&k) < 50;)
		;
	printf("k=%d\n", k);
	return 0;
}
