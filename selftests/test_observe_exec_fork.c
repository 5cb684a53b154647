// SPDX-License-Identifier: GPL-2.0
/*
 * observe/exec_fork: a program registered on exec that forks before
 * upstared has read its exec event (a pre-forked server starting its
 * workers at once).  The kernel registers a child at fork only when its
 * parent is registered then, so upstared must register those children
 * itself when it registers the parent.  The window is made certain here:
 * upstared is stopped (SIGSTOP to the daemon this test started) while the
 * program execs and forks 3 children, then continued.  Every child must
 * then be registered, with the program as its parent.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"

#define KIDS 3

/* pid's parent in upstared's registry; 0: registered by hand or on exec; -1: absent. */
static long registered_parent(struct daemon *d, long pid)
{
	struct json *r = daemon_req(d, "{\"cmd\":\"ps\"}");
	const struct json *procs = r ? json_get(r, "procs") : NULL;
	long parent = -1;

	for (const struct json *p = procs ? procs->child : NULL; p; p = p->next)
		if (json_int(p, "pid", 0) == pid)
			parent = json_int(p, "parent", 0);
	json_free(r);
	return parent;
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct target t = {};
	struct daemon d = {};
	long kids[KIDS] = { 0 };
	bool stopped = false;
	char bin[512], *line;
	int i;

	if (skip)
		return test_skip("%s", skip);
	snprintf(bin, sizeof(bin), "%s/forker", ctx->tmpdir);
	if (!sh_ok(120, "build forker", "%s -O2 -o %s %s/selftests/progs/forker.c", upstare_cc(),
		   bin, upstare_src_dir()))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(kill(d.pid, SIGSTOP), "stop upstared"))
		goto out;
	stopped = true;
	if (!ASSERT_OK(target_start(&t, bin), "start forker") ||
	    !ASSERT_TRUE(target_expect(&t, "ready ", 10), "forker ready") ||
	    !ASSERT_EQ(write(t.in, "fork 3\n", 7), 7, "ask for 3 children"))
		goto out;
	line = target_expect(&t, "forked 3:", 10);
	if (!ASSERT_TRUE(line, "forked 3") ||
	    !ASSERT_EQ(sscanf(line, "forked 3: %ld %ld %ld", &kids[0], &kids[1], &kids[2]), KIDS,
		       "children's pids"))
		goto out;
	if (!ASSERT_OK(kill(d.pid, SIGCONT), "continue upstared"))
		goto out;
	stopped = false;
	/* The exec event is read now: the program is registered, boundedly soon. */
	for (i = 0; i < 100 && registered_parent(&d, t.pid) < 0; i++)
		usleep(50000);
	if (!ASSERT_EQ(registered_parent(&d, t.pid), 0, "registered on exec"))
		goto out;
	for (i = 0; i < KIDS; i++) {
		char what[64];

		snprintf(what, sizeof(what), "child %ld registered, forked from the program", kids[i]);
		if (!ASSERT_EQ(registered_parent(&d, kids[i]), (long)t.pid, what))
			goto out;
	}
	res = TEST_PASS;
out:
	if (stopped)
		kill(d.pid, SIGCONT);
	if (t.pid > 0) {
		close(t.in);
		t.in = 0;
		/* at EOF the forker kills and reaps its children, then exits */
		for (i = 0; i < 40 && waitpid(t.pid, NULL, WNOHANG) != t.pid; i++)
			usleep(50000);
		if (i < 40)
			t.pid = 0;
		target_stop(&t);
	}
	return daemon_finish(&d, res);
}

OBSERVE_TEST(exec_fork, run);
