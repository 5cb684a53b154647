// SPDX-License-Identifier: GPL-2.0
/*
 * update/new_local: version 2 adds a local to main, which is on the stack.
 * The new local starts at zero (its initializer ran in version 1's past),
 * the old ones keep their values.
 */
#include <stdio.h>
#include <stdlib.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, line[64];
	long last1;

	if (!upd_init(&u, ctx, "new_local", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 n=20\n", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "applied", "result") || !upd_wait(&u, "since=3\n", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 n=");
	snprintf(line, sizeof(line), "v2 n=%ld since=1\n", last1 + 1);
	if (!upd_wait(&u, line, 0, 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	return res;
}

UPDATE_TEST(new_local, run)
