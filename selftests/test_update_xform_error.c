// SPDX-License-Identifier: GPL-2.0
/*
 * update/xform_error: the patch's transformer returns an error.  The update
 * is rolled back: upstarectl exits nonzero with result "rolled-back" and the
 * transformer's reason, and the program goes on in version 1 with its
 * state intact (the counter continues, no version 2 output).
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c xform_fail.c") || !upd_run(&u, "v1 requests=20 "))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "rolled-back", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "stats cannot be converted today", "reason"))
		goto out;
	/* still version 1, counting on from where it was */
	if (!upd_goes_on(&u, "v1 requests=", true, &out, NULL) ||
	    !ASSERT_TRUE(strstr(out, "bytes=7\n") != NULL, "state intact"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

/*
 * update/xform_error_const: the same rollback in a program whose read-only
 * table (updates/const_table) version 2 grows.  The rollback put back the
 * old storage of every changed global, the read-only table's too, and the
 * program died of the write (memcached 1.6.18 -> 1.6.38, whose
 * default_entries is const).  Now only storage a transformer changed is
 * written back: rolled back, version 1 goes on.
 */
static enum test_result xform_error_const(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "const_table", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c refuse.c") &&
	    upd_run(&u, "v1 n=20 hits=20 names=2 first=get\n") &&
	    upd_expect(&u, "v2.so", 5000, "rolled-back", "result") &&
	    ASSERT_STRSTR(u.json, "counter refused on purpose", "reason") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(xform_error, run)
UPDATE_TEST(xform_error_const, xform_error_const)
