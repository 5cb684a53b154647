// SPDX-License-Identifier: GPL-2.0
/*
 * Labels: a label before a declaration with an initializer that a
 * backward goto runs again, labels named like variables and like labels in
 * another function, a label on an empty statement at the end of a block,
 * and a label inside a statement expression's own scope jumped to locally.
 */
#include <stdio.h>

static int gen(int v)
{
	return v * 2 + 1;
}

static int first(void)
{
	int n = 0, count = 0;

count:
	;
	int x = gen(n);

	n++;
	count += x;
	if (n < 5)
		goto count;
	return count;
}

static int second(void)
{
	int count = 0;

	for (int i = 0; i < 3; i++) {
		if (i == 1)
			goto count;
		count += gen(i);
count:
		;
	}
	return count;
}

int main(void)
{
	int v = ({
		int k = 0;
	loop:
		k += gen(k);
		if (k < 100)
			goto loop;
		k;
	});

	printf("%d %d %d\n", first(), second(), v);
	return 0;
}
