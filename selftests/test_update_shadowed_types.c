// SPDX-License-Identifier: GPL-2.0
/*
 * update/shadowed_types: main waits in a block whose local p, a string,
 * shadows main's p, a number; version 2 changes only what it prints.
 * Matched by name alone, p seemed to change type and every update rolled
 * back (vsftpd's listener, with two p_raw_addr).  Matched by their place,
 * the update applies and each p keeps its value.
 */
#include "updlib.h"

static const char *const names[] = { "alpha", "beta", "gamma", "delta" };

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long round;

	if (!upd_init(&u, ctx, "shadowed_types", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 round=3 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 round=", 0, 10))
		goto out;
	/* the round the update came in, finished in version 2 */
	round = upd_first_value(&u, "v2 round=");
	if (!upd_waitf(&u, 0, 1, "v2 round=%ld inner=%s outer=%ld\n", round, names[round % 4],
		       round * 1000 + 7))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(shadowed_types, run)
