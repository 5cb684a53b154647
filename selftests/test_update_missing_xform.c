// SPDX-License-Identifier: GPL-2.0
/*
 * update/missing_xform: a patch that changes a global's type but has no
 * transformer for it is refused at prepare, before any thread stops
 * (nothing parked), with the global and its type in the reason; version 1
 * goes on with the global's value as it was.
 *
 * update/tentative_refused: the same for a global declared extern in a
 * header and defined in another file without an initializer (a tentative
 * definition), which the patch once applied without a transformer.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result run_with(struct test_ctx *ctx, const char *name, const char *v1,
				 const char *v2)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *parked = NULL;
	long last;

	if (!upd_init(&u, ctx, name, &res))
		return res;
	if (!upd_build(&u, "v1", v1) || !upd_patch(&u, "v1", "v2.so", v2) ||
	    !upd_run(&u, "v1 requests=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "refused", "result"))
		goto out;
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(parked, "0", "nothing parked") ||
	    !ASSERT_STRSTR(u.json, "global stats: the layout of 'struct stats' changed and the "
			   "patch has no transformer for it", "reason"))
		goto out;
	if (!upd_goes_on(&u, "v1 requests=", true, NULL, NULL))
		goto out;
	last = upd_last_value(&u, "v1 requests=");
	if (!upd_waitf(&u, 0, 1, "v1 requests=%ld bytes=7\n", last))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(parked);
	return res;
}

static enum test_result missing_xform(struct test_ctx *ctx)
{
	return run_with(ctx, "struct_field", "v1/prog.c", "v2/prog.c");
}

static enum test_result tentative_refused(struct test_ctx *ctx)
{
	return run_with(ctx, "tentative", "v1/prog.c v1/stats.c", "v2/prog.c v2/stats.c");
}

/*
 * update/missing_xforms: a patch that changes two globals and has no
 * transformer for either is refused naming both, not only the first.
 */
static enum test_result missing_xforms(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "two_globals", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && upd_run(&u, "v1 counter=20 ") &&
	    upd_expect(&u, "v2.so", 5000, "refused", "result") &&
	    ASSERT_STRSTR(u.json, "global table changed type from 'int[3]' to 'int[4]' and the "
			  "patch has no transformer for it", "the table named") &&
	    ASSERT_STRSTR(u.json, "global counter: the layout of 'count_t' changed and the "
			  "patch has no transformer for it", "the counter named") &&
	    upd_goes_on(&u, "v1 counter=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(missing_xform, missing_xform)
UPDATE_TEST(missing_xforms, missing_xforms)
UPDATE_TEST(tentative_refused, tentative_refused)
