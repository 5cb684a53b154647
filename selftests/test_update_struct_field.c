// SPDX-License-Identifier: GPL-2.0
/*
 * update/struct_field: a struct global gets a field inserted in the middle.
 * The patch gives it new storage and its transformer copies the old
 * fields: after the update, requests continues from where it was, the new
 * field holds what the transformer set and bytes kept its value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *r = NULL, line[128];
	long last1, first2;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") ||
	    !upd_patch(&u, "v1", "v2.so", "v2/prog.c xform.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 requests=20 ", 0, 10))
		goto out;
	if (!upd_update(&u, "v2.so", 5000))
		goto out;
	r = upd_field(&u, "result");
	if (!ASSERT_STREQ(r, "applied", "result") || !upd_wait(&u, "v2 requests=", 0, 10))
		goto out;
	upd_stop(&u);
	last1 = upd_last_value(&u, "v1 requests=");
	first2 = upd_first_value(&u, "v2 requests=");
	snprintf(line, sizeof(line), "v2 requests=%ld errors=42 bytes=7\n", first2);
	if (!ASSERT_EQ(first2, last1 + 1, "requests carried over") ||
	    !upd_wait(&u, line, 0, 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(r);
	return res;
}

UPDATE_TEST(struct_field, run)
