// SPDX-License-Identifier: GPL-2.0
/*
 * update/unmapped_frame: the function on the stack was renamed by the new
 * version and the patch does not map it.  main's frame waits at its call
 * send_binary#1, which the new main does not have, and send_binary's frame
 * has no version in the patch: the update rolls back naming both frames,
 * each with the mapping line to add (the two lines update/renamed's map.c
 * has), and the program goes on in version 1 with its counter.
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
			   "does not have; if it goes on at send_file#1 (line 19) now, add "
			   "UPSTARE_MAP_KEY(\\\"main\\\", \\\"send_binary#1\\\", "
			   "\\\"send_file#1\\\") to the patch", "main's frame, with its mapping") ||
	    !ASSERT_STRSTR(u.json, "send_binary() is on the stack and has no version in the "
			   "patch; if send_binary() became send_file(), add UPSTARE_MAP_FUNCTION("
			   "\\\"send_binary\\\", \\\"send_file\\\") to the patch",
			   "send_binary's frame too, with its mapping"))
		goto out;
	if (!upd_goes_on(&u, "v1 send_binary fd=7 chunk=", true, NULL, NULL))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(unmapped_frame, run)
