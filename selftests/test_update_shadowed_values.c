// SPDX-License-Identifier: GPL-2.0
/*
 * update/shadowed_values: main waits in a block whose local p shadows
 * main's p, of the same type, with another value; the outer p is on the
 * side stack, where a callee counts the round through a pointer.  Matched
 * by name alone, both new p took the last old one's value.  Each must keep
 * its own, and the outer one its address: through version 2, which changes
 * only what it prints, then through version 3, which declares another p
 * in a new block before them.
 */
#include <stdio.h>
#include <stdlib.h>

#include "updlib.h"

/* Apply PATCH; the round it came in, finished by version TAG, has its values. */
static bool apply(struct upd *u, const char *patch, const char *tag)
{
	char prefix[32];
	size_t len;
	long round;

	free(upd_output(u, &len));
	snprintf(prefix, sizeof(prefix), "%s round=", tag);
	if (!upd_expect(u, patch, 5000, "applied", patch) || !upd_wait(u, prefix, len, 10))
		return false;
	round = upd_first_value(u, prefix);
	return upd_waitf(u, 0, 1, "%s%ld inner=%ld outer=%ld\n", prefix, round, round * 10 + 3,
			 round * 1000 + 8);
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "shadowed_values", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_patch(&u, "v2.so", "v3.so", "v3/prog.c") ||
	    !upd_run(&u, "v1 round=3 ") || !apply(&u, "v2.so", "v2") || !apply(&u, "v3.so", "v3"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(shadowed_values, run)
