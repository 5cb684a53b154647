// SPDX-License-Identifier: GPL-2.0
/*
 * update/recursion: a thread 1000 frames deep in a recursion is updated at
 * the bottom.  All 1000 frames are rebuilt in the new code: when the new
 * bottom returns, every frame adds 2 * depth, so the program prints
 * 2 * (1 + ... + 1000) = 1001000 and exits 0.
 */
#include <stdlib.h>
#include <sys/wait.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	int status = -1;

	if (!upd_init(&u, ctx, "recursion", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 bottom tick=10\n"))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 sum=", 0, 10))
		goto out;
	waitpid(u.pid, &status, 0);
	u.pid = 0;
	if (!ASSERT_EQ(upd_last_value(&u, "v2 sum="), 1001000, "sum over 1000 rebuilt frames") ||
	    !ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(recursion, run)
