// SPDX-License-Identifier: GPL-2.0
/*
 * What the patch linker keeps of the old version's globals, and what it
 * must not.
 *
 * update/typedef_record: a record named only by a typedef (pair_t, an
 * unnamed struct) whose fields version 2 swaps, held by value in a global
 * of it, in a field of another record and in an array.  The patch linker
 * looked for the record by the type's spelling, which for a typedef names
 * no struct: the three globals were kept as they were, the update said
 * "applied", and version 2 read every pair swapped (p=7,5).  They are
 * found by their shapes now: converted, every pair as it was.
 */
#include "updlib.h"

static enum test_result typedef_record(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "typedef_record", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && upd_run(&u, "v1 n=20 p=5,7 o=1,2 arr=3,4\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 n=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 n=%ld p=5,7 o=1,2 arr=3,4\n", upd_last_value(&u, "v1 n=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

/*
 * update/const_data: read-only data whose type stays and whose values
 * version 2 changes: a dispatch table (an entry renamed, another pointing
 * to a new function) and a banner.  The patch bound them to the old
 * version's storage like any global kept: version 2 ran with version 1's
 * table and banner (get=1 put=2 banner=first banner).  Read-only data get
 * storage of their own in the patch: version 2's values.  A writable
 * function pointer whose parameter is spelled char *const is not read-only
 * data: it keeps the function the program set (pick=2; review found it
 * taken for read-only and reset to its initializer).
 */
static enum test_result const_data(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "const_data", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") &&
	    upd_run(&u, "v1 n=20 get=1 put=2 banner=first banner pick=2\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 n=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 n=%ld fetch=1 put=22 banner=second banner pick=2\n",
		      upd_last_value(&u, "v1 n=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(typedef_record, typedef_record)
UPDATE_TEST(const_data, const_data)
