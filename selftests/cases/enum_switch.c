// SPDX-License-Identifier: GPL-2.0
/*
 * A switch over an enum returned by a call, covering every enumerator
 * without a default, enumerators with explicit and negative values, and an
 * enum used as an array index and a loop counter.
 */
#include <stdio.h>

enum color { RED, GREEN = 5, BLUE, BLACK = -1 };

static const char *names[] = { [RED] = "red", [GREEN] = "green", [BLUE] = "blue" };

static enum color next(enum color c)
{
	switch (c) {
	case RED:
		return GREEN;
	case GREEN:
		return BLUE;
	case BLUE:
		return BLACK;
	case BLACK:
		return RED;
	}
	return RED;
}

static int weight(enum color c)
{
	int w = 0;

	switch (next(c)) {
	case BLACK:
		w += 1000;
		/* fall through */
	case RED:
		w += 1;
		break;
	case GREEN:
	case BLUE:
		w += (int)next(next(c)) * 10;
		break;
	}
	return w;
}

int main(void)
{
	enum color c = RED;

	for (int i = 0; i < 8; i++) {
		printf("%d %s %d\n", c, c >= 0 ? names[c] : "black", weight(c));
		c = next(c);
	}
	for (enum color k = GREEN; k <= BLUE; k++)
		printf("%s ", names[k]);
	printf("\n");
	return 0;
}
