// SPDX-License-Identifier: GPL-2.0
/*
 * update/missing_xform: a patch that changes a global's type but has no
 * transformer for it is refused at prepare, before any thread stops
 * (nothing parked), with the global and its type in the reason.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *parked = NULL;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 requests=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "refused", "result"))
		goto out;
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(parked, "0", "nothing parked") ||
	    !ASSERT_STRSTR(u.json, "global stats: the layout of 'struct stats' changed and the "
			   "patch has no transformer for it", "reason"))
		goto out;
	if (!upd_wait_new(&u, "v1 requests=", 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(parked);
	return res;
}

UPDATE_TEST(missing_xform, run)
