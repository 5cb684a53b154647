// SPDX-License-Identifier: GPL-2.0
/*
 * update/main_loop: a single-threaded main loop updated live.  The loop's
 * counter (a local of main) carries over, and the new step function runs:
 * the first value the new version prints is the last old one plus 1000.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, *pause = NULL;
	long last1, first2;

	if (!upd_init(&u, ctx, "main_loop", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 n=20\n", 0, 10))
		goto out;
	if (!upd_update(&u, "v2.so", 5000) || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	r = upd_field(&u, "result");
	pause = upd_field(&u, "pause_us");
	if (!ASSERT_STREQ(r, "applied", "result") || !ASSERT_EQ(u.status, 0, "exit status") ||
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
	free(r);
	free(pause);
	return res;
}

UPDATE_TEST(main_loop, run)
