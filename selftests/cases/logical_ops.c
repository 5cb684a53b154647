// SPDX-License-Identifier: GPL-2.0
/*
 * Calls inside && and ||: hoisting a call out of the right operand must
 * keep the short circuit, so a callee with a side effect is not called when
 * the left operand decides.
 */
#include <stdio.h>

static int calls;

static int t(int tag)
{
	calls++;
	printf("t%d ", tag);
	return 1;
}

static int f(int tag)
{
	calls++;
	printf("f%d ", tag);
	return 0;
}

static int val(int v)
{
	calls++;
	printf("v%d ", v);
	return v;
}

int main(void)
{
	int r, i, n = 0;

	r = f(1) && t(2);
	printf("= %d\n", r);
	r = t(3) || t(4);
	printf("= %d\n", r);
	r = t(5) && f(6) && t(7);
	printf("= %d\n", r);
	r = f(8) || (t(9) && f(10)) || t(11);
	printf("= %d\n", r);
	r = !(f(12) || f(13)) && !t(14);
	printf("= %d\n", r);
	r = val(3) && val(0) ? val(100) : val(200);
	printf("= %d\n", r);
	if (val(0) || (val(2) && val(0)) || val(7))
		printf("taken\n");
	for (i = 0; i < 6; i++)
		if (i % 2 && val(i) > 2)
			n += val(i * 10);
	printf("\nn=%d\n", n);
	n = 0;
	while (n < 10 && val(n) != 4)
		n++;
	printf("\nstopped at %d\n", n);
	r = (val(1) && val(2)) + (val(0) && val(3)) + (val(0) || val(4));
	printf("= %d\n", r);
	r = val(5) && (val(0), val(6));
	printf("= %d\n", r);
	printf("calls=%d\n", calls);
	return calls == 36 ? 0 : 1;
}
