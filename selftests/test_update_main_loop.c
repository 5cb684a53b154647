// SPDX-License-Identifier: GPL-2.0
/*
 * update/main_loop: a single-threaded main loop updated live.  The loop's
 * counter (a local of main) carries over, and the new step function runs:
 * the first value the new version prints is the last old one plus 1000.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *pause = NULL;
	long last1, first2;

	if (!upd_init(&u, ctx, "main_loop", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 n=20\n"))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	pause = upd_field(&u, "pause_us");
	if (!ASSERT_EQ(u.status, 0, "exit status") ||
	    !ASSERT_TRUE(pause && atol(pause) >= 0, "pause_us reported"))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 n=");
	first2 = upd_first_value(&u, "v2 n=");
	if (!ASSERT_EQ(first2, last1 + 1000, "counter carried over into v2"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(pause);
	return res;
}

UPDATE_TEST(main_loop, run)
