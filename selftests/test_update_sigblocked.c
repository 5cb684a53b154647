// SPDX-License-Identifier: GPL-2.0
/*
 * update/sigblocked: a thread has the update signal blocked (by a raw
 * system call the runtime cannot see) and sits in read().  The update
 * times out: upstarectl says "timeout" and names the thread and why, and
 * the program continues in version 1 with its counter.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "sigblocked", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "blocker ready") ||
	    !upd_wait(&u, "v1 n=20\n", 0, 10))
		goto out;
	if (!upd_expect(&u, "v2.so", 300, "timeout", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "(blocker): did not reach an update point, blocked in read()", "thread named") ||
	    !ASSERT_STRSTR(u.json, "with the update signal blocked", "why"))
		goto out;
	if (!upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(sigblocked, run)
