// SPDX-License-Identifier: GPL-2.0
/*
 * update/prefork: a parent and its three pre-forked workers are updated
 * in one step (upstarectl update --tree): all four processes answer
 * "applied" and go on in version 2 with their counters.
 */
#include <stdio.h>
#include <stdlib.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *parked = NULL, pre[32];

	if (!upd_init(&u, ctx, "prefork", &res))
		return res;
	unsetenv("BLOCK_IN_CHILD");
	u.tree = true;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 proc 3 n=20\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(parked, "4", "4 processes"))
		goto out;
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v2 proc %d n=", i);
		if (!upd_wait(&u, pre, 0, 10))
			goto out;
	}
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v1 proc %d n=", i);
		if (!upd_waitf(&u, 0, 1, "v2 proc %d n=%ld\n", i, upd_last_value(&u, pre) + 1))
			goto out;
	}
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(parked);
	return res;
}

UPDATE_TEST(prefork, run)
