// SPDX-License-Identifier: GPL-2.0
/*
 * update/stacks: with --stacks the update stops at the check barrier (every
 * thread parked, nothing transformed), upstarectl reports the stacks the
 * target described there (the description constraint checks read), then
 * lets it go on.  The reader thread
 * blocked in read() shows as reader() at continuation point read#1.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "shifted_temps", &res))
		return res;
	u.stacks = true;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 main n=100\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !ASSERT_STRSTR(u.json, "{\"function\":\"reader\",", "reader's frame") ||
	    !ASSERT_STRSTR(u.json, "\"key\":\"read#1\",\"unmappable\":null}",
			   "at read#1, convertible") ||
	    !ASSERT_STRSTR(u.json, "{\"function\":\"main\",", "main's frame") ||
	    !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(stacks, run)
