// SPDX-License-Identifier: GPL-2.0
/*
 * update/reordered: version 2 swaps the two fields of struct pair; the type
 * keeps its spelling and its size, so only the layouts in the metadata show
 * the change.  A patch without transformers converts the global (the
 * generated transformer matches the fields by name) but rolls back for
 * main's local of that type; so does one with a transformer for the global
 * only; one with both applies, and both structures keep their values.
 */
#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "reordered", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "none.so", "v2/prog.c") ||
	    !upd_patch(&u, "v1", "global.so", "v2/prog.c xform_global.c") ||
	    !upd_patch(&u, "v1", "all.so", "v2/prog.c xform_all.c") ||
	    !upd_run(&u, "v1 g=20,"))
		goto out;
	if (!upd_expect(&u, "none.so", 5000, "rolled-back", "no transformer") ||
	    !ASSERT_STRSTR(u.json, "local l of main() changed type", "reason"))
		goto out;
	if (!upd_expect(&u, "global.so", 5000, "rolled-back", "no stack transformer") ||
	    !ASSERT_STRSTR(u.json, "local l of main() changed type", "reason"))
		goto out;
	if (!upd_expect(&u, "all.so", 5000, "applied", "both transformers") ||
	    !upd_wait(&u, "v2 g=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 g=");
	if (!upd_waitf(&u, 0, 1, "v2 g=%ld,100 l=%ld,200\n", last + 1, last + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(reordered, run)
