// SPDX-License-Identifier: GPL-2.0
/*
 * update/static_locals: f() and g() each have a static local "count".  The
 * patch must match each to its own old storage (same name, same file,
 * same function), so both counters go on where they were.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "static_locals", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 f=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 f=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 f=");
	if (!upd_waitf(&u, 0, 1, "v2 f=%ld g=%ld\n", last + 1, last + 1001))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(static_locals, run)
