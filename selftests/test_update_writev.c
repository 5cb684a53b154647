// SPDX-License-Identifier: GPL-2.0
/*
 * update/writev: a thread blocked in writev() on a full socket is updated
 * while the reader (a thread of the same program, parked too) cannot drain
 * it.  A writev() that had sent part of its data unwinds with its progress
 * and the re-issued call sends the rest: every call returns its full
 * length and the 8 MiB arrive whole and in order.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "writev", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 main running") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, " reader words=2097152 pattern=ok\n", 0, 30) ||
	    !upd_wait(&u, " writer done\n", 0, 5))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "short writev"), "every writev() wrote everything") ||
	    !ASSERT_TRUE(strstr(out, "v2 reader") != NULL, "the reader finished in v2"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(writev, run)
