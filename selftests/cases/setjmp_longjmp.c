// SPDX-License-Identifier: GPL-2.0
/*
 * setjmp/longjmp across instrumented frames: a longjmp from three calls
 * deep, volatile locals that survive it, a setjmp used as a retry loop,
 * and nested jump buffers.  Frames that call setjmp cannot be rebuilt;
 * main, which calls them, can.
 */
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env, inner_env;
static int depth_reached;

static void deep(int n)
{
	depth_reached = n;
	if (n == 3)
		longjmp(env, 42);
	deep(n + 1);
	printf("not reached\n");
}

static void from_deep(void)
{
	switch (setjmp(env)) {
	case 0:
		deep(0);
		printf("not reached\n");
		break;
	case 42:
		printf("returned 42 from depth %d\n", depth_reached);
		break;
	default:
		printf("unexpected setjmp value\n");
	}
}

static int retry(void)
{
	volatile int tries = 0;

	if (setjmp(env) < 4) {
		tries++;
		if (tries < 4)
			longjmp(env, tries);
	}
	return tries;
}

static int inner(int v)
{
	if (setjmp(inner_env) == 0) {
		if (v > 2)
			longjmp(inner_env, 1);
		return v;
	}
	return -v;
}

int main(void)
{
	from_deep();
	printf("tries=%d\n", retry());
	printf("%d %d %d\n", inner(1), inner(3), inner(5));
	return 0;
}
