// SPDX-License-Identifier: GPL-2.0
/*
 * update/renamed: the function on the stack is renamed by version 2
 * (send_binary -> send_file); the patch maps the function and its caller's
 * continuation point.  The frame goes on in send_file with its locals.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last1;

	if (!upd_init(&u, ctx, "renamed", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c map.c") || !upd_run(&u, "chunk=20\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 send_file", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 send_binary fd=7 chunk=");
	if (!upd_waitf(&u, 0, 1, "v2 send_file fd=7 chunk=%ld\n", last1 + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(renamed, run)
