// SPDX-License-Identifier: GPL-2.0
/*
 * switch on a call's result, with fallthrough, a default in the middle,
 * declarations inside cases (hoisting must not move their initializers out
 * of the case that runs them), calls in case bodies and nested switches.
 */
#include <stdio.h>

static int classify(int v)
{
	printf("[classify %d] ", v);
	return v % 6;
}

static int twice(int v)
{
	return 2 * v;
}

static int run(int v)
{
	int acc = 0;

	switch (classify(v)) {
	case 0:
		acc += twice(1);
		/* fall through */
	case 1: {
		int k = twice(v);

		acc += k;
		break;
	}
	default:
		acc -= 100;
		/* fall through */
	case 4:
		acc += twice(twice(v));
		break;
	case 2:
	case 3: {
		int x = classify(v + 1), y;

		y = twice(x);
		switch (x) {
		case 3:
			acc += y * 100;
			break;
		case 4:
			acc += y * 1000;
			/* fall through */
		default:
			acc += 1;
		}
		break;
	}
	}
	return acc;
}

int main(void)
{
	for (int v = 0; v < 12; v++)
		printf("run(%d)=%d\n", v, run(v));
	return 0;
}
