// SPDX-License-Identifier: GPL-2.0
/*
 * A loop that calls out of the program polls on every pass: the C library
 * and other libraries that are not instrumented have no update point, and
 * a call may block or run long (memcached's "while (!stop)
 * event_base_loop(base, EVLOOP_ONCE);" runs a pass a second; strip-mined,
 * it reached its update point once in 1024 passes).  getpid() stands for
 * such a call here, in each shape of loop that would otherwise poll less:
 * strip-mined (a while loop), counted inside a loop that polls, counted
 * from a constant to a constant, and a do-while with a macro that would
 * be guarded.  Calls to the cheap functions of the C library (declared
 * pure or const, as strlen, abs, __ctype_b_loc behind isdigit(),
 * __errno_location behind errno; noreturn, as __assert_fail behind
 * assert(); or known: memcpy, tolower, sqrt) leave a loop strip-mined.
 *
 * With a rebuild at every update point, the run rebuilds at about every
 * pass of the loops that call getpid() (4 rounds of 3060 passes, and a
 * check more where the condition ends a loop) and at the function entries
 * and cheap()'s strip-mined loop head: 12302 at -O2 as at -O0.  With the
 * getpid() loops polled as loops without calls (strip-mined, unpolled,
 * guarded), the run rebuilt 62 times.
 *
 * upstare-test: unwind=1 rebuilds=12000-12600 cflags="-lm"
 */
#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSES 1000
#define SHORT 20
#define ROUNDS 4

/* a statement macro, as KissFFT's C_MUL */
#define MIX(acc, x) do { (acc) = (acc) * 31 + (unsigned)(x); } while (0)

static pid_t pid;

/* strip-mined on call-free passes */
static unsigned while_loop(int n)
{
	unsigned acc = 1;
	int i = 0;

	while (i < n) {
		acc = acc * 3 + (getpid() == pid);
		i += 2;
	}
	return acc;
}

/* counted, in a loop that polls: would have no update point of its own */
static unsigned counted_inner(int rows, int n)
{
	unsigned acc = 0;

	for (int r = 0; r < rows; r++) {
		acc += r;
		for (int i = 0; i < n; i++)
			acc += getpid() == pid ? i : 0;
	}
	return acc;
}

/* from a constant to a constant: would end by itself */
static unsigned short_loop(void)
{
	unsigned acc = 0;

	for (int i = 0; i < SHORT; i++)
		acc = acc * 7 + (getpid() == pid);
	return acc;
}

/* polls on every pass for its macro; would run as written under a guard */
static unsigned guarded(int m)
{
	unsigned acc = 1;

	do {
		MIX(acc, getpid() == pid);
	} while (--m);
	return acc;
}

/* cheap calls only: strip-mined */
static unsigned cheap(const char *s, int n)
{
	char buf[16];
	unsigned acc = 0;

	for (int i = 0; i < n; i++) {
		memcpy(buf, s, sizeof(buf));
		assert(!buf[sizeof(buf) - 1]);
		buf[i % 8] = (char)tolower(buf[i % 8]);
		errno = i % 3;
		acc += strlen(buf) + abs(i - 50) + (isdigit(buf[i % 16]) != 0) + errno;
		acc += (unsigned)sqrt((double)i);
	}
	return acc;
}

int main(void)
{
	unsigned acc = 0;

	pid = getpid();
	for (int k = 0; k < ROUNDS; k++) {
		acc += while_loop(2 * PASSES);
		acc += counted_inner(2, PASSES / 2);
		acc += short_loop() + short_loop() + short_loop();
		acc += guarded(PASSES);
		acc += cheap("Upstare 2000 AB", PASSES);
		printf("%d %u\n", k, acc);
	}
	return 0;
}
