// SPDX-License-Identifier: GPL-2.0
/*
 * Loops whose condition or increment call functions, with continue in the
 * body: continue must still run the for increment and re-evaluate the
 * condition (in a do/while too), even when the call in the increment was
 * hoisted out of the header.
 */
#include <stdio.h>

static int ncond, ninc;

static int below(int i, int n)
{
	ncond++;
	return i < n;
}

static int next(int i)
{
	ninc++;
	return i + 1;
}

static int more(int *i)
{
	ncond++;
	return (*i)++ < 8;
}

int main(void)
{
	int i, sum = 0;

	for (i = 0; below(i, 10); i = next(i)) {
		if (i % 3 == 0)
			continue;
		sum += i;
	}
	printf("for: sum=%d i=%d cond=%d inc=%d\n", sum, i, ncond, ninc);

	ncond = ninc = 0;
	sum = 0;
	i = 0;
	while (more(&i)) {
		if (i & 1)
			continue;
		sum += i;
	}
	printf("while: sum=%d i=%d cond=%d\n", sum, i, ncond);

	ncond = 0;
	sum = 0;
	i = 0;
	do {
		i = next(i);
		if (i == 2 || i == 5)
			continue;
		sum += i * 10;
	} while (below(i, 7));
	printf("do: sum=%d i=%d cond=%d inc=%d\n", sum, i, ncond, ninc);

	ncond = ninc = 0;
	sum = 0;
	for (int a = 0; below(a, 4); a = next(a))
		for (int b = 0; below(b, 4); b = next(b)) {
			if (b == a)
				continue;
			if (b > a + 1)
				break;
			sum += a * 4 + b;
		}
	printf("nested: sum=%d cond=%d inc=%d\n", sum, ncond, ninc);

	ncond = ninc = 0;
	for (i = next(-1); ; i = next(i)) {
		if (!below(i, 5))
			break;
		if (i == 1)
			continue;
		printf("%d ", i);
	}
	printf("\nfor(;;): cond=%d inc=%d\n", ncond, ninc);
	return 0;
}
