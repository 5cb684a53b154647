// SPDX-License-Identifier: GPL-2.0
/*
 * update/unmapped_frame: the function on the stack was renamed by the new
 * version and the patch does not map it.  main's frame waits at its call
 * send_binary#1, which the new main does not have, so the update rolls back
 * with that reason and the program goes on in version 1 with its counter.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "renamed", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "chunk=20\n") ||
	    !upd_expect(&u, "v2.so", 5000, "rolled-back", "result") ||
	    !ASSERT_STRSTR(u.json, "continuation point send_binary#1, which the new version "
			   "does not have", "reason"))
		goto out;
	if (!upd_goes_on(&u, "v1 send_binary fd=7 chunk=", true, NULL, NULL))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(unmapped_frame, run)
