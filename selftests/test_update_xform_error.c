// SPDX-License-Identifier: GPL-2.0
/*
 * update/xform_error: the patch's transformer returns an error.  The update
 * is rolled back: upstarectl exits nonzero with result "rolled-back" and the
 * transformer's reason, and the program goes on in version 1 with its
 * state intact (the counter continues, no version 2 output).
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

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") ||
	    !upd_patch(&u, "v1", "v2.so", "v2/prog.c xform_fail.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 requests=20 ", 0, 10))
		goto out;
	if (!upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	before = upd_last_value(&u, "v1 requests=");
	out = upd_output(&u, &len);
	if (!ASSERT_STREQ(r, "rolled-back", "result") || !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "stats cannot be converted today", "reason"))
		goto out;
	/* still version 1, counting on from where it was */
	if (!upd_wait(&u, "v1 requests=", len, 10))
		goto out;
	upd_stop(&u);
	free(out);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(upd_last_value(&u, "v1 requests=") > before, "v1 goes on") ||
	    !ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output") ||
	    !ASSERT_TRUE(strstr(out, "bytes=7\n") != NULL, "state intact"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	free(out);
	return res;
}

UPDATE_TEST(xform_error, run)
