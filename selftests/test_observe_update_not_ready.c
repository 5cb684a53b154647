// SPDX-License-Identifier: GPL-2.0
/*
 * observe/update_not_ready: through upstared, an update of the program of
 * update/sigblocked (a thread blocks every signal behind the runtime's
 * back and waits in read()) is never started: the daemon's readiness
 * check finds that thread signal-masked until the deadline and answers
 * "timeout" naming it and why.  Nothing was asked of the target: its main
 * thread never parked, and it goes on in version 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct upd u;

	if (!upd_init_daemon(&u, ctx, "sigblocked", &d, &res))
		return res;
	if (!upd_run(&u, "blocker ready") ||
	    !upd_wait(&u, "v1 n=20\n", 0, 10) ||
	    !upd_expect(&u, "v2.so", 1000, "timeout", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "the update was not started", "not started") ||
	    !ASSERT_STRSTR(u.json, "(blocker): signal-masked: blocked in read()",
			   "the thread named, with its class") ||
	    !ASSERT_STRSTR(u.json, "with the update signal 36 masked", "why"))
		goto out;
	/* the target was never asked: no thread parked, no update generation */
	if (!ASSERT_TRUE(!strstr(u.json, "\"parked\":"), "no target state reported"))
		goto out;
	if (!upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(update_not_ready, run)
