// SPDX-License-Identifier: GPL-2.0
/*
 * update/writable_patch: a patch file others can write is refused, and the
 * program goes on in version 1.  Then the same file made 0644 applies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL, path[512];
	size_t len;

	if (!upd_init(&u, ctx, "main_loop", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 n=20\n"))
		goto out;
	snprintf(path, sizeof(path), "%s/v2.so", ctx->tmpdir);
	if (!ASSERT_OK(chmod(path, 0666), "chmod 666") ||
	    !upd_expect(&u, "v2.so", 5000, "refused", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "writable by no one else", "reason"))
		goto out;
	out = upd_output(&u, &len);
	if (!upd_wait(&u, "v1 n=", len, 10) || !ASSERT_TRUE(!strstr(out, "v2 "), "still v1"))
		goto out;
	if (!ASSERT_OK(chmod(path, 0644), "chmod 644") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result once 0644") ||
	    !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(writable_patch, run)
