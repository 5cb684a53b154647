// SPDX-License-Identifier: GPL-2.0
/*
 * Unusual switch shapes: a declaration before the first case label, case
 * labels inside an if and inside a loop within the switch, a switch with
 * only a default, one that matches nothing, a char scrutinee from a call,
 * and continue inside a switch, which continues the enclosing loop.
 */
#include <stdio.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static int odd_cases(int v)
{
	int r = 0, i = 0;

	switch (f(v)) {
		int t;
	case 0:
		t = f(10);
		r = t;
		break;
	case 1:
		if (f(v) > 0) {
	case 2:
			r += f(20);
		}
		break;
	case 3:
		for (i = 0; i < 2; i++) {
	case 4:
			r += f(30) + i;
		}
		break;
	}
	return r;
}

int main(void)
{
	int sum = 0;
	const char *s = "a1b2c3";

	for (int v = 0; v < 6; v++)
		printf("%d ", odd_cases(v));
	printf("\n");
	switch (f(1)) {
	default:
		printf("only default\n");
	}
	switch (f(99)) {
	case 1:
		printf("not matched\n");
	}
	for (const char *p = s; *p; p++) {
		switch ((char)f(*p)) {
		case 'a':
		case 'b':
			continue;
		case '2':
			sum += 200;
			break;
		default:
			sum += *p;
		}
		sum++;
	}
	printf("sum=%d calls=%d\n", sum, calls);
	return 0;
}
