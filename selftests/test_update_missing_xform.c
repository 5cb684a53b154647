// SPDX-License-Identifier: GPL-2.0
/*
 * update/missing_xform: a patch that changes a global's type but has no
 * transformer for it is refused at prepare, before any thread stops
 * (nothing parked), with the global and its type in the reason.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, *parked = NULL, *out = NULL;
	size_t len;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 requests=20 ", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(r, "refused", "result") || !ASSERT_STREQ(parked, "0", "nothing parked") ||
	    !ASSERT_STRSTR(u.json, "global stats: the layout of 'struct stats' changed and the "
			   "patch has no transformer for it", "reason"))
		goto out;
	out = upd_output(&u, &len);
	if (!upd_wait(&u, "v1 requests=", len, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	free(parked);
	free(out);
	return res;
}

UPDATE_TEST(missing_xform, run)
