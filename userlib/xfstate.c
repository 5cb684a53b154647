// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The transformer or conversion running now, as the transform layer's
 * files share it: what it said when it failed (upstare_fail(), upstare.h)
 * and whether the transformers' deadline may stop it where it is
 * (transform.c's timer; heap.c arms it around the patch's transformers of
 * heap objects).  The bottom of the transform layer: convert.c, heap.c and
 * transform.c call it, and it calls nothing.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>

#include "runtime.h"
#include "upstare.h"

__thread char upstare__fail_msg[512];
volatile sig_atomic_t upstare__xf_armed;

void upstare_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(upstare__fail_msg, sizeof(upstare__fail_msg), fmt, ap);
	va_end(ap);
}

void upstare__xf_arm(int on)
{
	upstare__xf_armed = on;
}
