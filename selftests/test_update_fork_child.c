// SPDX-License-Identifier: GPL-2.0
/*
 * update/fork_child: a child forked by an updateable program can be updated
 * on its own (its runtime knows it has one thread); its parent keeps
 * running version 1.  (--tree updates a whole process tree: update/prefork.)
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	pid_t parent = 0;
	struct upd u;
	char *out = NULL;
	long child = -1;
	size_t len;

	if (!upd_init(&u, ctx, "fork_child", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 child n=20\n"))
		goto out;
	parent = u.pid;
	child = upd_first_value(&u, "child pid ");
	u.pid = child;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	u.pid = parent;
	if (!upd_wait(&u, "v2 child n=", 0, 10))
		goto out;
	out = upd_output(&u, &len);
	if (!upd_wait(&u, "v1 parent n=", len, 10))
		goto out;
	free(out);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 parent"), "the parent still runs v1"))
		goto out;
	res = TEST_PASS;
out:
	if (child > 0)
		kill(child, SIGKILL);
	if (parent)
		u.pid = parent;
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(fork_child, run)
