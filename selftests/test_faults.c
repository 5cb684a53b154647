// SPDX-License-Identifier: GPL-2.0
/*
 * Patch code that crashes before the commit does not take the target down.
 *
 * faults/ctor_segv, faults/ctor_exit: the patch's constructor dereferences
 * a bad pointer, or calls exit(3), when the patch is loaded in the target.
 * The update is refused, the reason naming the constructor and what it
 * did; the program goes on in version 1, and a good patch then applies.
 *
 * faults/xform_segv, faults/xform_abort: the same with the transformer of
 * the changed global, which runs with every thread parked: rolled back,
 * the reason naming the transformer and the signal or abort().
 */
#include <stdio.h>

#include "updlib.h"

static enum test_result run_with(struct test_ctx *ctx, const char *flag, const char *src,
				 const char *want, const char *result)
{
	enum test_result res = TEST_FAIL;
	char srcs[256];
	struct upd u;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	snprintf(srcs, sizeof(srcs), "%s v2/prog.c %s", flag, src);
	if (upd_build(&u, "v1", "v1/prog.c") && upd_patch(&u, "v1", "bad.so", srcs) &&
	    upd_patch(&u, "v1", "v2.so", "v2/prog.c xform.c") && upd_run(&u, "v1 requests=20 ") &&
	    upd_expect(&u, "bad.so", 5000, result, "the crashing patch") &&
	    ASSERT_STRSTR(u.json, want, "the reason") &&
	    upd_goes_on(&u, "v1 requests=", false, NULL, NULL) &&
	    upd_expect(&u, "v2.so", 5000, "applied", "a good patch then") &&
	    upd_wait(&u, "v2 requests=", 0, 10))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result ctor_segv(struct test_ctx *ctx)
{
	return run_with(ctx, "-DCTOR_SEGV", "fault_ctor.c xform.c",
			"its constructor patch_setup() received SIGSEGV (address 0x8) while it "
			"was loaded", "refused");
}

static enum test_result ctor_exit(struct test_ctx *ctx)
{
	return run_with(ctx, "-DCTOR_EXIT", "fault_ctor.c xform.c",
			"its constructor patch_setup() called exit(3) while it was loaded",
			"refused");
}

static enum test_result xform_segv(struct test_ctx *ctx)
{
	return run_with(ctx, "-DXFORM_SEGV", "fault_xform.c",
			"transformer of global stats received SIGSEGV (address 0x10)",
			"rolled-back");
}

static enum test_result xform_abort(struct test_ctx *ctx)
{
	return run_with(ctx, "-DXFORM_ABORT", "fault_xform.c",
			"transformer of global stats called abort()", "rolled-back");
}

UPSTARE_GROUP_TEST("faults", ctor_segv, ctor_segv)
UPSTARE_GROUP_TEST("faults", ctor_exit, ctor_exit)
UPSTARE_GROUP_TEST("faults", xform_segv, xform_segv)
UPSTARE_GROUP_TEST("faults", xform_abort, xform_abort)
