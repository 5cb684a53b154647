// SPDX-License-Identifier: GPL-2.0
/*
 * update/shifted_temps: a thread blocked in read() is rebuilt in a version
 * that evaluates another call's argument first, so its temporaries are
 * numbered differently.  The saved arguments (buffer, size) must reach the
 * re-issued read(): it then returns the line written after the update.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, *out = NULL;

	if (!upd_init(&u, ctx, "shifted_temps", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 main n=100\n", 0, 10) ||
	    !upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "applied", "result") || !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "read error"), "read() got its arguments"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	free(out);
	return res;
}

UPDATE_TEST(shifted_temps, run)
