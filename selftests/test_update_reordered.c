// SPDX-License-Identifier: GPL-2.0
/*
 * update/reordered: version 2 swaps the two fields of struct pair; the type
 * keeps its spelling and its size, so only the layouts in the metadata show
 * the change.  A patch without transformers applies: the generated
 * conversions carry the global and main's local of that type field by
 * field.  One with transformers of the user's for both applies the same
 * way on a fresh v1.  Both structures keep their values.
 */
#include "updlib.h"

static bool apply(struct upd *u, const char *patch)
{
	long last;

	if (!upd_run(u, "v1 g=20,") || !upd_expect(u, patch, 5000, "applied", patch) ||
	    !upd_wait(u, "v2 g=", 0, 10))
		return false;
	upd_stop(u);
	last = upd_last_value(u, "v1 g=");
	return upd_waitf(u, 0, 1, "v2 g=%ld,100 l=%ld,200\n", last + 1, last + 1);
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "reordered", &res))
		return res;
	if (upd_build(&u, "v1", "v1/prog.c") && upd_patch(&u, "v1", "none.so", "v2/prog.c") &&
	    upd_patch(&u, "v1", "all.so", "v2/prog.c xform_all.c") && apply(&u, "none.so") &&
	    apply(&u, "all.so"))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(reordered, run)
