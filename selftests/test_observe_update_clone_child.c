// SPDX-License-Identifier: GPL-2.0
/*
 * observe/update_clone_child: update/clone_child through upstared.  The
 * daemon's readiness check and its update window match the runtime's
 * thread table by each thread's tid in its own PID namespace (the BPF
 * programs read it from the task's struct pid): the child that is pid 1
 * in its namespace is seen blocked in a wrapped read() and is kicked.
 */
#include <stdio.h>

#include "observe.h"
#include "updlib.h"

bool clone_child_updated(struct upd *u);

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct upd u;

	if (!upd_init_daemon(&u, ctx, "clone_child", &d, &res))
		return res;
	if (clone_child_updated(&u))
		res = TEST_PASS;
	upd_stop(&u);
	return daemon_finish(&d, res);
}

OBSERVE_TEST(update_clone_child, run)
