/* upstare-test: unwind=1009 */
// SPDX-License-Identifier: GPL-2.0
/*
 * Deep recursion (10000 and 100000 frames), mutual recursion, recursion
 * through a function pointer and a small Ackermann function.  An
 * instrumented frame must not become so much larger that these overflow.
 */
#include <stdio.h>

static long depth_sum(int n)
{
	if (n == 0)
		return 0;
	return n + depth_sum(n - 1);
}

static int is_odd(int n);

static int is_even(int n)
{
	return n == 0 ? 1 : is_odd(n - 1);
}

static int is_odd(int n)
{
	return n == 0 ? 0 : is_even(n - 1);
}

static int (*self)(int);

static int via_ptr(int n)
{
	return n <= 1 ? 1 : n % 7 + self(n - 1);
}

static int ack(int m, int n)
{
	if (m == 0)
		return n + 1;
	if (n == 0)
		return ack(m - 1, 1);
	return ack(m - 1, ack(m, n - 1));
}

static int fib(int n)
{
	return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

int main(void)
{
	self = via_ptr;
	printf("%ld %ld\n", depth_sum(10000), depth_sum(100000));
	printf("%d %d\n", is_even(10000), is_odd(7777));
	printf("%d\n", via_ptr(10000));
	printf("%d %d\n", ack(2, 3), ack(3, 3));
	printf("%d\n", fib(22));
	return 0;
}
