// SPDX-License-Identifier: GPL-2.0
/*
 * update/unmapped_frame: the function on the stack was renamed by the new
 * version and the patch does not map it.  main's frame waits at its call
 * send_binary#1, which the new main does not have, so the update rolls back
 * with that reason and the program goes on in version 1 with its counter.
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

	if (!upd_init(&u, ctx, "renamed", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "chunk=20\n", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "rolled-back", "result") ||
	    !ASSERT_STRSTR(u.json, "continuation point send_binary#1, which the new version "
			   "does not have", "reason"))
		goto out;
	before = upd_last_value(&u, "v1 send_binary fd=7 chunk=");
	out = upd_output(&u, &len);
	if (!upd_wait(&u, "v1 send_binary", len, 10))
		goto out;
	upd_stop(&u);
	free(out);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(upd_last_value(&u, "v1 send_binary fd=7 chunk=") > before, "v1 goes on") ||
	    !ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	free(out);
	return res;
}

UPDATE_TEST(unmapped_frame, run)
