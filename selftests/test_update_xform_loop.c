// SPDX-License-Identifier: GPL-2.0
/*
 * update/xform_loop: the patch's global transformer loops forever (after
 * writing the old global in place).  At the update's deadline the runtime
 * abandons it (from its own code, not inside the malloc it keeps
 * calling): result "rolled-back" naming the transformer and the transform
 * phase, the program goes on in version 1 with its state as it
 * was (the in-place write undone), and a good patch then applies.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;
	size_t len;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") ||
	    !upd_patch(&u, "v1", "loop.so", "v2/prog.c xform_loop.c") ||
	    !upd_patch(&u, "v1", "v2.so", "v2/prog.c xform.c") ||
	    !upd_run(&u, "v1 requests=20 "))
		goto out;
	if (!upd_expect(&u, "loop.so", 1500, "rolled-back", "result") ||
	    !ASSERT_NEQ(u.status, 0, "exit status") ||
	    !ASSERT_STRSTR(u.json, "transformer of global stats did not return before the "
			   "deadline", "reason names the transformer") ||
	    !ASSERT_STRSTR(u.json, "transform phase", "reason names the phase") ||
	    !ASSERT_TRUE(!strstr(u.json, "inside library code"), "left from its own code"))
		goto out;
	/* still version 1, counting on from where it was, bytes as they were */
	if (!upd_goes_on(&u, "v1 requests=", false, &out, &len) ||
	    !ASSERT_TRUE(!strstr(out, "bytes=999"), "old global restored") ||
	    !ASSERT_TRUE(strstr(out + len, "bytes=7\n") != NULL, "state intact"))
		goto out;
	/* the runtime is usable again: a good patch applies */
	if (!upd_expect(&u, "v2.so", 5000, "applied", "second update") ||
	    !upd_wait(&u, "errors=42 bytes=7\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(xform_loop, run)
