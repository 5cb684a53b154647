// SPDX-License-Identifier: GPL-2.0
/*
 * observe/update_unwrapped: through upstared, the program of
 * update/libc_blocked (a thread blocked in fgets(), a read() inside the C
 * library that libupstare does not wrap) is not updated and its thread is
 * not signalled: the readiness rules class it blocked-unwrapped (signalling
 * it would make fgets() fail with an EINTR it does not expect), so the
 * update is never started and times out naming it.  fgets() later returns
 * its line intact and the program goes on in version 1.
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
	char *out = NULL;
	struct upd u;

	if (!upd_init_daemon(&u, ctx, "libc_blocked", &d, &res))
		return res;
	if (!upd_run(&u, "v1 n=20\n") ||
	    !upd_expect(&u, "v2.so", 300, "timeout", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "the update was not started", "not started") ||
	    !ASSERT_STRSTR(u.json, "blocked-unwrapped: blocked in read() from reader outside "
			   "libupstare's wrapped calls", "the thread named, with where it blocks") ||
	    !upd_wait(&u, "reader got hello\n", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "reader error"), "fgets() was not interrupted") ||
	    !ASSERT_TRUE(!strstr(out, "v2 "), "still v1"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	res = daemon_finish(&d, res);
	free(out);
	return res;
}

OBSERVE_TEST(update_unwrapped, run)
