// SPDX-License-Identifier: GPL-2.0
/*
 * observe/update_daemon: with upstared running, upstarectl update goes
 * through it: the daemon checks that every thread is ready (main running
 * or sleeping in usleep(), the reader blocked in read() through the
 * wrapper), starts the protocol with the check barrier (--stacks: the
 * reader is reported at read#1), and the update is applied: the reader's
 * next line is answered by version 2.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	char *r = NULL, *log = NULL;
	struct upd u;

	if (skip)
		return test_skip("%s", skip);
	if (!upd_init(&u, ctx, "shifted_temps", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c"))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	u.sock = d.sock;
	u.stacks = true;	/* the check barrier, through the daemon */
	if (!upd_start(&u, "v1") || !upd_wait(&u, "v1 main n=100\n", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	log = read_file(d.log, NULL);
	if (!ASSERT_STREQ(r, "applied", "result") || !ASSERT_EQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "{\"function\":\"reader\",", "reader's frame") ||
	    !ASSERT_STRSTR(u.json, "\"key\":\"read#1\",\"unmappable\":null}", "at read#1") ||
	    !ASSERT_STRSTR(log, "update requested", "the daemon ran the update") ||
	    !ASSERT_STRSTR(log, "every thread ready", "after its readiness check") ||
	    !ASSERT_STRSTR(log, "update window open (wrapped calls only)", "gated window") ||
	    !ASSERT_STRSTR(log, "update window closed", "closed after the update") ||
	    !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	if (d.pid && !ASSERT_EQ(daemon_stop(&d), 0, "upstared exits 0 on SIGTERM"))
		res = TEST_FAIL;
	free(r);
	free(log);
	return res;
}

OBSERVE_TEST(update_daemon, run)
