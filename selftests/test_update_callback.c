// SPDX-License-Identifier: GPL-2.0
/*
 * update/callback: the thread spends its time inside qsort(), in a
 * comparator called by the C library (a frame that cannot be rebuilt, and
 * whose usleep() the update signal interrupts).  The update waits until
 * qsort() returns and applies at the next update point; every sort, before
 * and after, comes out sorted.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "callback", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_start(&u, "v1") ||
	    !upd_wait(&u, "v1 round=2 ", 0, 20) ||
	    !upd_expect(&u, "v2.so", 10000, "applied", "result") ||
	    !upd_wait(&u, "v2 round=", 0, 20))
		goto out;
	upd_stop(&u);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "sorted=0"), "every sort sorted"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(callback, run)
