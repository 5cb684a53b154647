// SPDX-License-Identifier: GPL-2.0
/*
 * update/stack_xform: a stack transformer (UPSTARE_STACK_TRANSFORMER) sets
 * the new local of main from the saved frame's old local: since starts at
 * 1000 times the counter n the frame was saved with.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last1;

	if (!upd_init(&u, ctx, "new_local", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c xform_stack.c") || !upd_run(&u, "v1 n=20\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 n=");
	if (!upd_waitf(&u, 0, 1, "v2 n=%ld since=%ld\n", last1 + 1, 1000 * last1 + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(stack_xform, run)
