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
	char *r = NULL, *parked = NULL, pre[32], line[64];

	if (!upd_init(&u, ctx, "prefork", &res))
		return res;
	unsetenv("BLOCK_IN_CHILD");
	u.tree = true;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 proc 3 n=20\n", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(r, "applied", "result") || !ASSERT_STREQ(parked, "4", "4 processes"))
		goto out;
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v2 proc %d n=", i);
		if (!upd_wait(&u, pre, 0, 10))
			goto out;
	}
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v1 proc %d n=", i);
		snprintf(line, sizeof(line), "v2 proc %d n=%ld\n", i, upd_last_value(&u, pre) + 1);
		if (!upd_wait(&u, line, 0, 1))
			goto out;
	}
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	free(parked);
	return res;
}

UPDATE_TEST(prefork, run)
