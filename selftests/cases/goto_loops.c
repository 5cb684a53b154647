// SPDX-License-Identifier: GPL-2.0
/*
 * Loops made of labels and goto: a backward goto loop with calls (a loop
 * without a loop statement still needs its update point), forward gotos
 * that skip calls, goto out of nested loops, and labels right before calls.
 */
#include <stdio.h>

static int work(int v)
{
	return v * 3 % 11;
}

int main(void)
{
	int i = 0, acc = 0, j;

again:
	acc += work(i);
	if (++i < 100)
		goto again;
	printf("acc=%d i=%d\n", acc, i);

	i = 0;
top:
	if (i >= 10)
		goto done;
	if (i % 2)
		goto skip;
	acc -= work(i);
skip:
	i++;
	goto top;
done:
	printf("acc=%d i=%d\n", acc, i);

	for (i = 0; i < 10; i++)
		for (j = 0; j < 10; j++)
			if (work(i) + work(j) == 17)
				goto found;
	printf("not found\n");
	goto end;
found:
	printf("found i=%d j=%d\n", i, j);
end:
	i = 5;
countdown:
	printf("%d ", work(i));
	if (--i)
		goto countdown;
	printf("\n");
	return 0;
}
