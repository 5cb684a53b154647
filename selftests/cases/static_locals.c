// SPDX-License-Identifier: GPL-2.0
/*
 * Static locals keep their value between calls.  Two functions, and two
 * blocks of one function, have static locals with the same name; once
 * they become exported globals they must stay distinct objects, and a
 * static initialized with the address of another keeps pointing at it.
 */
#include <stdio.h>

static int tick_a(void)
{
	static int counter;

	return ++counter;
}

static int tick_b(void)
{
	static int counter = 100;

	return counter += 10;
}

static int both(int which)
{
	if (which) {
		static int counter = 5;

		return counter++;
	} else {
		static int counter = 50;

		return counter--;
	}
}

static const char *name(void)
{
	static char buf[8] = "n0";
	static char *p = buf;

	p[1]++;
	return p;
}

static int *cell(void)
{
	static int storage[3] = { 7, 8, 9 };
	static int *cur = storage;

	return cur++;
}

int main(void)
{
	for (int i = 0; i < 3; i++)
		printf("%d %d %d %d %s\n", tick_a(), tick_b(), both(1), both(0), name());
	for (int i = 0; i < 3; i++)
		printf("%d ", *cell());
	printf("\n%d %d\n", tick_a(), tick_b());
	return 0;
}
