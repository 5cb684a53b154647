// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The control block and the poll flag: the bottom layer of libupstare.
 *
 * upstare_control (upstare-ctl.h) is what the controller reads and writes
 * through /proc/PID/mem; its futexes, its clock (upstare__mono_ns()) and
 * its reasons are here, with the flag every update point polls
 * (__upstare_pending).  Only transition.c writes the control block's
 * phase.  Everything else in the runtime may call this file; it calls
 * nothing of the runtime.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare.h"

struct upstare_control upstare_control __attribute__((used, visibility("default"))) = {
	.magic = UPSTARE_CONTROL_MAGIC,
	.version = UPSTARE_CONTROL_VERSION,
	.size = sizeof(struct upstare_control),
	.timeout_ms = 2000,
};

volatile int __upstare_pending;
/* the same flag for instrumented code in the executable (emit: __US_PENDING) */
extern volatile int __upstare_pending_exe
	__attribute__((alias("__upstare_pending"), visibility("hidden")));
int upstare__selftest;

void upstare__fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("upstare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void upstare__reason(const char *fmt, ...)
{
	struct upstare_control *const cb = &upstare_control;
	size_t n = strnlen(cb->reasons, sizeof(cb->reasons));
	va_list ap;

	if (n && n + 2 < sizeof(cb->reasons))
		cb->reasons[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(cb->reasons + n, sizeof(cb->reasons) - n, fmt, ap);
	va_end(ap);
}

unsigned int upstare_generation(void)
{
	struct upstare_control *const cb = &upstare_control;

	return __atomic_load_n(&cb->generation, __ATOMIC_RELAXED);
}
