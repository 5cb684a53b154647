// SPDX-License-Identifier: GPL-2.0
/*
 * update/tls: thread-local variables and patches.  A patch's references to
 * the program's __thread variables (a global and a static one) bind to the
 * program's, thread by thread: after the update each worker's count and
 * calls go on from its own values.  A patch cannot have thread-local
 * storage of its own (libupstare's loader gives it no TLS block), so a
 * version that adds a __thread variable is refused by upstare-cc --patch,
 * naming the variable and its line, and leaves no patch behind.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "updlib.h"

/* "SRC:LINE:" of the line of file src that holds text. */
static void line_of(const char *src, const char *text, char *buf, size_t n)
{
	char *s = read_file(src, NULL), *p = s ? strstr(s, text) : NULL;
	int line = 1;

	for (char *q = s; p && q < p; q++)
		line += *q == '\n';
	snprintf(buf, n, "%s:%d:", src, p ? line : 0);
	free(s);
}

/* Field of the first (or last) line of version ver's thread id, or -1. */
static long value(const char *out, const char *ver, int id, const char *field, bool last)
{
	char pre[32], key[32];
	const char *line = NULL, *f;

	snprintf(pre, sizeof(pre), "%s t%d ", ver, id);
	snprintf(key, sizeof(key), " %s=", field);
	for (const char *p = out; (p = strstr(p, pre)); p++) {
		line = p;
		if (!last)
			break;
	}
	f = line ? strstr(line, key) : NULL;
	return f && f < strchrnul(line, '\n') ? strtol(f + strlen(key), NULL, 10) : -1;
}

/* Thread id's first value of field in v2 is its last one in v1, plus 1. */
static bool carried(const char *out, int id, const char *field)
{
	long last = value(out, "v1", id, field, true), first = value(out, "v2", id, field, false);

	test_log("t%d %s: v1 last %ld, v2 first %ld", id, field, last, first);
	return last > 0 && first == last + 1;
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char src[512], where[600], v3[512];
	struct cmd_result r = { 0 };
	char *out = NULL;
	struct upd u;

	if (!upd_init(&u, ctx, "tls", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c"))
		goto out;
	snprintf(src, sizeof(src), "%s/selftests/updates/tls/v3/prog.c", upstare_src_dir());
	snprintf(v3, sizeof(v3), "%s/v3.so", ctx->tmpdir);
	line_of(src, "__thread long extra;", where, sizeof(where));
	if (!ASSERT_OK(run_cmd(&r, 120, "%s --patch --base %s/v1 -O2 -pthread -o %s %s",
			       upstare_cc(), ctx->tmpdir, v3, src), "run upstare-cc --patch"))
		goto out;
	test_log("upstare-cc --patch v3: status %d: %s", r.status, r.err);
	if (!ASSERT_NEQ(r.status, 0, "v3 refused") ||
	    !ASSERT_STRSTR(r.err, where, "the variable's line") ||
	    !ASSERT_STRSTR(r.err, "error: thread-local variable 'extra' is not in the base",
			   "the variable named") ||
	    !ASSERT_TRUE(access(v3, F_OK) != 0, "no v3.so left"))
		goto out;
	if (!upd_run(&u, "v1 t2 count=2010 ") || !upd_wait(&u, "v1 t1 count=1010 ", 0, 10) ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 t1 count=", 0, 10) || !upd_wait(&u, "v2 t2 count=", 0, 10))
		goto out;
	upd_stop(&u);
	out = upd_output(&u, NULL);
	for (int id = 1; id <= 2; id++)
		if (!ASSERT_TRUE(carried(out, id, "count"), "count carried over, per thread") ||
		    !ASSERT_TRUE(carried(out, id, "calls"), "calls carried over, per thread"))
			goto out;
	res = TEST_PASS;
out:
	free(out);
	cmd_result_free(&r);
	upd_stop(&u);
	return res;
}

UPDATE_TEST(tls, run)
