// SPDX-License-Identifier: GPL-2.0
/*
 * update/fn_pointers: pointers to old functions stored before the update in
 * a global table and in a heap object call the new versions after it.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "fn_pointers", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 table=11 heap=12\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 table=110 heap=210\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(fn_pointers, run)
