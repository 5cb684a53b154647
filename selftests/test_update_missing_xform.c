// SPDX-License-Identifier: GPL-2.0
/*
 * update/missing_xforms: a patch changes the types of globals whose
 * conversion cannot be generated (a union; a struct holding a pointer to
 * a record whose layout changed) and that changed since the program
 * started, and has no transformer for them.  It is refused at prepare,
 * before any thread stops (nothing parked), naming every one of them with
 * the reason, not only the first; a third global with the same problem
 * that still holds its initial value is not named.  Version 1 goes on.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result missing_xforms(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *parked = NULL;

	if (!upd_init(&u, ctx, "gen_refused", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && upd_run(&u, "v1 counter=20 ") &&
	    upd_expect(&u, "v2.so", 5000, "refused", "result") &&
	    (parked = upd_field(&u, "parked")) && ASSERT_STREQ(parked, "0", "nothing parked") &&
	    ASSERT_STRSTR(u.json, "global val: the layout of 'union val' changed and the patch "
			  "has no transformer for it; none can be generated (val: union 'union val' "
			  "changed, and which of its members holds the value cannot be derived) and "
			  "it changed since the program started", "the union named") &&
	    ASSERT_STRSTR(u.json, "global list: the layout of 'struct list' changed and the patch "
			  "has no transformer for it; none can be generated (list.head: points to "
			  "'struct node', whose layout changed; the objects it points to are not "
			  "converted (unless the patch declares UPSTARE_HEAP_CONVERT("
			  "\\\"struct node\\\")))", "the list named") &&
	    ASSERT_TRUE(!strstr(u.json, "global first"), "first, unchanged, not named") &&
	    upd_goes_on(&u, "v1 counter=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	free(parked);
	return res;
}

UPDATE_TEST(missing_xforms, missing_xforms)
