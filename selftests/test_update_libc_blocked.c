// SPDX-License-Identifier: GPL-2.0
/*
 * update/libc_blocked: a thread is blocked in fgets(), inside the C
 * library where no wrapper sees it.  The update signal is only sent to
 * threads inside wrapped calls, so that fgets() is not interrupted: the
 * update times out naming the thread, and fgets() later returns its line.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "libc_blocked", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 n=20\n") ||
	    !upd_expect(&u, "v2.so", 200, "timeout", "result") ||
	    !ASSERT_STRSTR(u.json, "did not reach an update point, blocked in read()",
			   "the thread in fgets named") ||
	    !upd_wait(&u, "reader ", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_STRSTR(out, "reader got hello\n", "fgets() was not interrupted") ||
	    !ASSERT_TRUE(!strstr(out, "v2 "), "still v1"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(libc_blocked, run)
