// SPDX-License-Identifier: GPL-2.0
/*
 * Compiled with the plain compiler and linked into the observation
 * scenario (scenario.c): a thread that runs here, in code upstare-cc did
 * not instrument, reaches no update point until it returns, which it
 * never does, so it is running but not ready.  Built with frame pointers,
 * as distributions now build their libraries: without them the frame
 * walk from a leaf skips its caller, and with no instrumented frame left
 * the thread reads as foreign (also not ready).
 */
#include <sched.h>

void plain_spin(volatile unsigned long *x)
{
	for (;;) {
		for (int i = 0; i < 1000000; i++)
			*x = *x * 6364136223846793005UL + 1442695040888963407UL;
		sched_yield();	/* let the other threads of a 2-CPU machine run */
	}
}
