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
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	char *r = NULL, *out = NULL;
	struct upd u;
	size_t len;
	long before;

	if (skip)
		return test_skip("%s", skip);
	if (!upd_init(&u, ctx, "sigblocked", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c"))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	u.sock = d.sock;
	if (!upd_start(&u, "v1") || !upd_wait(&u, "blocker ready", 0, 10) ||
	    !upd_wait(&u, "v1 n=20\n", 0, 10) || !upd_update(&u, "v2.so", 1000))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "timeout", "result") || !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "the update was not started", "not started") ||
	    !ASSERT_STRSTR(u.json, "(blocker): signal-masked: blocked in read()",
			   "the thread named, with its class") ||
	    !ASSERT_STRSTR(u.json, "with the update signal 36 masked", "why"))
		goto out;
	/* the target was never asked: no thread parked, no update generation */
	if (!ASSERT_TRUE(!strstr(u.json, "\"parked\":"), "no target state reported"))
		goto out;
	before = upd_last_value(&u, "v1 n=");
	out = upd_output(&u, &len);
	if (!upd_wait(&u, "v1 n=", len, 10))
		goto out;
	upd_stop(&u);
	free(out);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(upd_last_value(&u, "v1 n=") > before, "v1 goes on") ||
	    !ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	if (d.pid && !ASSERT_EQ(daemon_stop(&d), 0, "upstared exits 0 on SIGTERM"))
		res = TEST_FAIL;
	free(r);
	free(out);
	return res;
}

OBSERVE_TEST(update_not_ready, run)
