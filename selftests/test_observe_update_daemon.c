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

#include "observe.h"
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	char *log = NULL;
	struct upd u;

	if (!upd_init_daemon(&u, ctx, "shifted_temps", &d, &res))
		return res;
	u.stacks = true;	/* the check barrier, through the daemon */
	if (!upd_run(&u, "v1 main n=100\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	log = read_file(d.log, NULL);
	if (!ASSERT_EQ(u.status, 0, "exit status") ||
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
	res = daemon_finish(&d, res);
	free(log);
	return res;
}

OBSERVE_TEST(update_daemon, run)
