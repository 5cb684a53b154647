/* upstare-test: status=7 */
// SPDX-License-Identifier: GPL-2.0
/*
 * Leaving the program from a nested call: exit() three frames deep runs the
 * atexit handlers, which call program functions, in reverse order, and the
 * exit status is the one passed to exit().  stdout is flushed at exit.
 */
#include <stdio.h>
#include <stdlib.h>

static int depth;

static void note(const char *what)
{
	printf("%s depth=%d\n", what, depth);
}

static void first(void)
{
	note("first handler");
}

static void second(void)
{
	note("second handler");
}

static _Noreturn void die(int code)
{
	note("dying");
	exit(code);
}

static int descend(int n)
{
	depth = n;
	if (n == 3)
		die(7);
	return descend(n + 1) + 1;
}

int main(void)
{
	atexit(first);
	atexit(second);
	printf("result %d\n", descend(0));
	return 0;
}
