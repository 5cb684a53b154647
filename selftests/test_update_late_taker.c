// SPDX-License-Identifier: GPL-2.0
/*
 * update/late_taker: the only thread of the target is blocked in fgets()
 * (not interrupted: it is inside the C library) and comes back to
 * instrumented code 3 s after the start.  The update, asked with a 1 s
 * deadline, times out: the request is withdrawn at the deadline, so the
 * thread does not take it when it comes back (it used to, and was then
 * updated, or held parked for a whole new deadline, seconds after the
 * update was given up).  The program goes on in version 1.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "late_taker", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 ready\n") ||
	    !upd_expect(&u, "v2.so", 1000, "timeout", "result") ||
	    !ASSERT_STRSTR(u.json, "no thread reached an update point before the deadline",
			   "the request was withdrawn") ||
	    !upd_wait(&u, "v1 got hello\n", 0, 10) || !upd_wait(&u, "v1 n=20\n", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "still version 1"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(late_taker, run)
