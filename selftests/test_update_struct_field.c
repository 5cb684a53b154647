// SPDX-License-Identifier: GPL-2.0
/*
 * update/struct_field: a struct global gets a field inserted in the middle.
 * The patch gives it new storage and its transformer copies the old
 * fields: after the update, requests continues from where it was, the new
 * field holds what the transformer set and bytes kept its value.
 *
 * update/type_xform: the same, with a datatype transformer
 * (UPSTARE_TYPE_TRANSFORMER) instead of one for the global.
 *
 * update/tentative_xform: the same global and transformer, in the shape
 * servers keep their state in: declared extern in a header and defined in
 * another file than main's without an initializer (a tentative
 * definition, which the metadata once left out: the patch then applied
 * without the transformer and version 2 read the old bytes).
 */
#include "updlib.h"

static enum test_result run_with(struct test_ctx *ctx, const char *name, const char *v1,
				 const char *srcs)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last1, first2;

	if (!upd_init(&u, ctx, name, &res))
		return res;
	if (!upd_build(&u, "v1", v1) || !upd_patch(&u, "v1", "v2.so", srcs) ||
	    !upd_run(&u, "v1 requests=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 requests=", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 requests=");
	first2 = upd_first_value(&u, "v2 requests=");
	if (!ASSERT_EQ(first2, last1 + 1, "requests carried over") ||
	    !upd_waitf(&u, 0, 1, "v2 requests=%ld errors=42 bytes=7\n", first2))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result struct_field(struct test_ctx *ctx)
{
	return run_with(ctx, "struct_field", "v1/prog.c", "v2/prog.c xform.c");
}

static enum test_result type_xform(struct test_ctx *ctx)
{
	return run_with(ctx, "struct_field", "v1/prog.c", "v2/prog.c xform_type.c");
}

static enum test_result tentative_xform(struct test_ctx *ctx)
{
	return run_with(ctx, "tentative", "v1/prog.c v1/stats.c",
			"v2/prog.c v2/stats.c ../struct_field/xform.c");
}

UPDATE_TEST(struct_field, struct_field)
UPDATE_TEST(type_xform, type_xform)
UPDATE_TEST(tentative_xform, tentative_xform)
