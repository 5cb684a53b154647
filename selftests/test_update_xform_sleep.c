// SPDX-License-Identifier: GPL-2.0
/*
 * update/xform_sleep: the patch's stack transformer blocks in sleep() for
 * an hour (after writing the saved frame in place).  At the update's
 * deadline the runtime abandons it: result "rolled-back" naming the
 * transformer and the transform phase, main goes on in version 1 with its
 * counter as it was (the in-place write undone), and a good patch then
 * applies.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "new_local", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") ||
	    !upd_patch(&u, "v1", "sleep.so", "v2/prog.c xform_sleep.c") ||
	    !upd_patch(&u, "v1", "v2.so", "v2/prog.c xform_stack.c") ||
	    !upd_run(&u, "v1 n=20\n"))
		goto out;
	if (!upd_expect(&u, "sleep.so", 1500, "rolled-back", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "stack transformer of main() at ", "reason names the "
			   "transformer") ||
	    !ASSERT_STRSTR(u.json, "did not return before the deadline", "reason") ||
	    !ASSERT_STRSTR(u.json, "transform phase", "reason names the phase"))
		goto out;
	if (!upd_goes_on(&u, "v1 n=", false, &out, NULL) ||
	    !ASSERT_TRUE(!strstr(out, "v1 n=-"), "saved frame restored"))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "second update") ||
	    !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(xform_sleep, run)
