// SPDX-License-Identifier: GPL-2.0
/*
 * update/sigblocked: a thread has the update signal blocked (by a raw
 * system call the runtime cannot see) and sits in read().  The update
 * times out: upstarectl says "timeout" and names the thread and why, and
 * the program continues in version 1 with its counter.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, *out = NULL;
	size_t len;
	long before;

	if (!upd_init(&u, ctx, "sigblocked", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "blocker ready", 0, 10) ||
	    !upd_wait(&u, "v1 n=20\n", 0, 10))
		goto out;
	if (!upd_update(&u, "v2.so", 300))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "timeout", "result") || !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "(blocker): did not reach an update point, blocked in read()", "thread named") ||
	    !ASSERT_STRSTR(u.json, "with the update signal blocked", "why"))
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
	free(r);
	free(out);
	return res;
}

UPDATE_TEST(sigblocked, run)
