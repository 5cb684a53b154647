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
	char *out = NULL;

	if (!upd_init(&u, ctx, "shifted_temps", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 main n=100\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "read error"), "read() got its arguments"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(shifted_temps, run)
