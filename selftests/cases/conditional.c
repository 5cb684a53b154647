// SPDX-License-Identifier: GPL-2.0
/*
 * Calls inside ?: : only the chosen arm runs.  Also the GNU "a ?: b" form,
 * whose condition must be evaluated once, void-typed conditionals used as
 * statements, a conditional yielding an lvalue through pointers, and a void
 * function returning a void conditional.
 */
#include <stdio.h>

static int calls;

static int val(int v)
{
	calls++;
	printf("v%d ", v);
	return v;
}

static void say(const char *s)
{
	calls++;
	printf("%s ", s);
}

static void either(int c)
{
	return c ? say("yes") : say("no");
}

static int *pick(int *a, int *b, int which)
{
	calls++;
	return which ? a : b;
}

int main(void)
{
	int r, a = 0, b = 0;

	r = val(1) ? val(10) : val(20);
	printf("= %d\n", r);
	r = val(0) ? val(10) : val(20);
	printf("= %d\n", r);
	r = val(0) ? val(1) : val(0) ? val(2) : val(3);
	printf("= %d\n", r);
	r = val(7) ?: val(8);
	printf("= %d\n", r);
	r = val(0) ?: val(9);
	printf("= %d\n", r);
	r = (val(0) ?: val(0)) ?: val(11);
	printf("= %d\n", r);
	val(1) ? say("one") : say("zero");
	printf("\n");
	val(0) ? (void)val(5) : say("void-else");
	printf("\n");
	either(1);
	either(0);
	printf("\n");
	*(val(1) ? &a : &b) = val(42);
	*pick(&a, &b, val(0)) += val(5);
	printf("\na=%d b=%d\n", a, b);
	r = val(2) > 1 ? (val(3), val(4)) : (val(5), val(6));
	printf("= %d\n", r);
	for (int i = 0; i < 4; i++)
		r += i & 1 ? val(i) : -val(-i);
	printf("= %d\n", r);
	printf("calls=%d\n", calls);
	return 0;
}
