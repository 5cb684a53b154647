// SPDX-License-Identifier: GPL-2.0
/*
 * security/exec_race: the target runs exec() while upstared waits for its
 * threads to be ready.  The driver pinned the process it authorized and
 * located (its /proc/PID/mem, opened first), so after the exec nothing is
 * read from or written to the new program: the update is refused, saying
 * so, and the new image goes on untouched (no v2 output).  Before, the
 * request, its timeout and the patch's name were written at the old
 * image's addresses into the new program.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct upd u;
	size_t len;
	char *out;

	if (!upd_init_daemon(&u, ctx, "exec_race", &d, &res))
		return res;
	if (!upd_run(&u, "blocker ready") ||
	    !upd_expect(&u, "v2.so", 8000, "refused", "result") ||
	    !ASSERT_STRSTR(u.json, "exited or ran exec() since it was checked: nothing was "
			   "written to it", "the reason") ||
	    !upd_wait(&u, "v1 again n=100\n", 0, 10))
		goto out;
	out = upd_output(&u, &len);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output") ||
	    !ASSERT_TRUE(strstr(out, "exec\n") != NULL, "the program ran exec()")) {
		free(out);
		goto out;
	}
	free(out);
	res = TEST_PASS;
out:
	upd_stop(&u);
	res = daemon_finish(&d, res);
	return res;
}

UPSTARE_GROUP_TEST("security", exec_race, run)
