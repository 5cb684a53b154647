// SPDX-License-Identifier: GPL-2.0
/*
 * update/missing_xforms: a patch changes the types of globals whose
 * conversion cannot be generated (a union) or cannot convert them as they
 * are now (a struct holding a pointer, not NULL, to a record whose layout
 * changed), which changed since the program started, and has no
 * transformer for them.  It is refused at prepare, before any thread stops
 * (nothing parked), naming every one of them with the reason, not only the
 * first (the list's found by a dry run of its generated conversion); a
 * third global that still holds its initial value is not named.  Version
 * 1 goes on.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result missing_xforms(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *parked = NULL;

	if (!upd_init(&u, ctx, "gen_refused", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && upd_run(&u, "v1 counter=20 ") &&
	    upd_expect(&u, "v2.so", 5000, "refused", "result") &&
	    (parked = upd_field(&u, "parked")) && ASSERT_STREQ(parked, "0", "nothing parked") &&
	    ASSERT_STRSTR(u.json, "global val: the layout of 'union val' changed and the patch "
			  "has no transformer for it; none can be generated (val: union 'union val' "
			  "changed, and which of its members holds the value cannot be derived) and "
			  "it changed since the program started", "the union named") &&
	    ASSERT_STRSTR(u.json, "global list: list.head, a pointer to 'struct node', whose "
			  "layout changed, is not NULL, and objects on the heap are not converted "
			  "unless the patch declares UPSTARE_HEAP_CONVERT for that type",
			  "the list named") &&
	    ASSERT_TRUE(!strstr(u.json, "global first"), "first, unchanged, not named") &&
	    upd_goes_on(&u, "v1 counter=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	free(parked);
	return res;
}

/*
 * update/mapped_xforms: the same update with what the refusal asked for
 * (mapped.c: the union's transformer, and UPSTARE_HEAP_CONVERT for the
 * list's nodes): applied, the union's value, the list and its count
 * carried, and the list's head, which points to the global first, points
 * to first's new storage (not to a copy of it).
 */
static enum test_result mapped_xforms(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "gen_refused", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c mapped.c") || !upd_run(&u, "v1 counter=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 counter=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 counter=");
	if (!upd_waitf(&u, 0, 1, "v2 counter=%ld val=5 n=1 key=1 same=1\n", last + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

/*
 * update/gen_null_pointer: the same update of a program whose list's head
 * stays NULL (its count set), with the union's transformer only: the
 * list's pointer to the changed node is NULL, so its generated conversion
 * has nothing to follow (before, none was generated, and the update was
 * refused).  Applied; the list's count and the union's value carried.
 */
static enum test_result gen_null_pointer(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "gen_refused", &res))
		return res;
	if (upd_build(&u, "v1", "-DEMPTY_LIST v1/prog.c") &&
	    upd_patch(&u, "v1", "v2.so", "v2/prog.c union.c") &&
	    upd_run(&u, "v1 counter=20 val=5 n=7 key=0 same=0\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 counter=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 counter=%ld val=5 n=7 key=0 same=0\n",
		      upd_last_value(&u, "v1 counter=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

/*
 * update/xform_partial: a record global whose union changed (its
 * conversion cannot be generated) converted by the patch's transformer,
 * which takes the generated steps for every field they can do
 * (upstare_convert_default(): port and name, moved) and reads the old
 * union and a counter the new version removed by name (upstare_old_field())
 * for the rest.  Applied: every field carried, the counter into its new
 * field.
 */
static enum test_result xform_partial(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "xform_partial", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c xform.c") && upd_run(&u, "v1 n=20 port=80 v=5 name=web\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 n=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 n=%1$ld port=80 v=5 name=web total=%1$ld\n",
		      upd_last_value(&u, "v1 n=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(missing_xforms, missing_xforms)
UPDATE_TEST(xform_partial, xform_partial)
UPDATE_TEST(gen_null_pointer, gen_null_pointer)
UPDATE_TEST(mapped_xforms, mapped_xforms)
