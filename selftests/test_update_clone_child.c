// SPDX-License-Identifier: GPL-2.0
/*
 * update/clone_child: a process makes two children with the raw clone
 * system call (no atfork handler runs), one of them in a PID namespace of
 * its own, as vsftpd makes its sessions.  Both block in read().  The tree
 * (upstarectl update --tree) is updated in one step: each child has its
 * own thread table (it used to keep its parent's, and the update timed
 * out) and is kicked out of read() by its tid in the initial namespace
 * (it is pid 1 in its own).
 */
#include <stdlib.h>

#include "updlib.h"

bool clone_child_updated(struct upd *u)
{
	char *parked = NULL;
	bool ok;

	u->tree = true;
	ok = upd_run(u, "v1 child b (pid 1) got b\n") &&
	     upd_expect(u, "v2.so", 5000, "applied", "result");
	if (ok) {
		parked = upd_field(u, "parked");
		ok = ASSERT_STREQ(parked, "4", "the parent's 2 threads and each child's") &&
		     ASSERT_STRSTR(u->json, "\"result\":\"applied\",\"parked\":1,\"pause_us\":",
				   "each process's own pause") &&
		     upd_wait(u, "v2 child a (pid ", 0, 10) &&
		     upd_wait(u, "v2 child b (pid 1) got ", 0, 10) &&
		     upd_wait(u, "v2 parent tick\n", 0, 10);
	}
	free(parked);
	return ok;
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "clone_child", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && clone_child_updated(&u))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(clone_child, run)
