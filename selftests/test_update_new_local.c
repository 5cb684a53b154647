// SPDX-License-Identifier: GPL-2.0
/*
 * update/new_local: version 2 adds a local to main, which is on the stack.
 * The new local starts at zero (its initializer ran in version 1's past),
 * the old ones keep their values.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last1;

	if (!upd_init(&u, ctx, "new_local", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 n=20\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "since=3\n", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 n=");
	if (!upd_waitf(&u, 0, 1, "v2 n=%ld since=1\n", last1 + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(new_local, run)
