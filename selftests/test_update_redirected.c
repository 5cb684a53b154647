// SPDX-License-Identifier: GPL-2.0
/*
 * update/redirected: threads blocked in wrapped calls that glibc's headers
 * redirect, each in a function that makes no other call, are updated:
 * sendfile() built with _FILE_OFFSET_BITS=64 (the symbol sendfile64) on a
 * full pipe, read() built with _FORTIFY_SOURCE (an inline function calling
 * the symbol read) on a slowly filled pipe and on an empty one.  Each call
 * is a continuation point, so the functions unwind and the calls are issued
 * again in v2: no sendfile() or read() fails, the 8 MiB arrive whole and
 * in order, and the waiter reads the line v2's main writes.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "redirected", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 main running") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, " reader words=2097152 pattern=ok\n", 0, 30) ||
	    !upd_wait(&u, " writer done off=8388608\n", 0, 5) ||
	    !upd_wait(&u, " waiter got 6 hello\n", 0, 5))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "sendfile failed"), "no sendfile() failed") ||
	    !ASSERT_STRSTR(out, "v2 reader", "the reader finished in v2") ||
	    !ASSERT_STRSTR(out, "v2 waiter got 6 hello\n", "the waiter read in v2"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(redirected, run)
