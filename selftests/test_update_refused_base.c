// SPDX-License-Identifier: GPL-2.0
/*
 * update/refused_base: a patch built for another program (another build
 * id) is refused before any thread stops: result "refused" with the two
 * build ids, no pause (pause_us -1, nothing parked), and the program goes
 * on in version 1.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *pause = NULL, *out = NULL;

	if (!upd_init(&u, ctx, "main_loop", &res))
		return res;
	/* "other" is version 2 built as a program: another build id */
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_build(&u, "other", "v2/prog.c") ||
	    !upd_patch(&u, "other", "foreign.so", "v2/prog.c") || !upd_run(&u, "v1 n=20\n"))
		goto out;
	if (!upd_expect(&u, "foreign.so", 5000, "refused", "result"))
		goto out;
	pause = upd_field(&u, "pause_us");
	if (!ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "was built for build id", "reason") ||
	    !ASSERT_STREQ(pause, "-1", "no thread paused") ||
	    !ASSERT_STRSTR(u.json, "\"quiesce\":-1", "no quiesce phase"))
		goto out;
	if (!upd_wait_new(&u, "v1 n=", 10))
		goto out;
	upd_stop(&u);
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(pause);
	free(out);
	return res;
}

UPDATE_TEST(refused_base, run)
