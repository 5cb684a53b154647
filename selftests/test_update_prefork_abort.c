// SPDX-License-Identifier: GPL-2.0
/*
 * update/prefork_abort: one pre-forked worker has a thread with the update
 * signal blocked.  The tree update times out in that worker, so the other
 * three processes, already parked and transformed, roll back too: nothing
 * runs version 2, every process goes on in version 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL, pre[32];
	size_t len;

	if (!upd_init(&u, ctx, "prefork", &res))
		return res;
	setenv("BLOCK_IN_CHILD", "1", 1);
	u.tree = true;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 proc 3 n=20\n") ||
	    !upd_expect(&u, "v2.so", 300, "timeout", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "with the update signal blocked", "the blocked worker") ||
	    !ASSERT_STRSTR(u.json, "another process of the group could not be updated",
			   "the others rolled back"))
		goto out;
	out = upd_output(&u, &len);
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v1 proc %d n=", i);
		if (!upd_wait(&u, pre, len, 10))
			goto out;
	}
	free(out);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "no process runs v2"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(prefork_abort, run)
