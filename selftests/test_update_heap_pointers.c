// SPDX-License-Identifier: GPL-2.0
/*
 * Heap objects of a record type whose layout changed are not converted
 * yet, so an update that leaves the program reaching old-layout objects
 * with new-layout code is refused, never applied.
 *
 * update/heap_list: the global head points to a list of struct node,
 * which version 2 extends.  head's own type does not change, so the patch
 * once kept it as it is and applied; version 2 then walked the old nodes
 * with the new layout (the link read from where weight is now).  Refused
 * at prepare, before any thread stops, naming head and the record.
 *
 * update/heap_list_local: the same list reached only from a local of
 * main: rolled back once main's frame is converted, naming the local.
 *
 * Both go on in version 1 with the list intact.
 */
#include <stdio.h>

#include "updlib.h"

static enum test_result run_with(struct test_ctx *ctx, const char *flags, const char *result,
				 const char *want)
{
	enum test_result res = TEST_FAIL;
	char srcs[128];
	struct upd u;

	if (!upd_init(&u, ctx, "heap_list", &res))
		return res;
	snprintf(srcs, sizeof(srcs), "%s v1/prog.c", flags);
	if (upd_build(&u, "v1", srcs) && upd_patch(&u, "v1", "v2.so", "v2/prog.c") &&
	    upd_run(&u, "v1 n=20 sum=6\n") && upd_expect(&u, "v2.so", 5000, result, "result") &&
	    ASSERT_STRSTR(u.json, want, "the reason") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL) &&
	    upd_waitf(&u, 0, 1, "v1 n=%ld sum=6\n", upd_last_value(&u, "v1 n=")))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result heap_list(struct test_ctx *ctx)
{
	return run_with(ctx, "", "refused", "global head: head, a pointer to 'struct node', whose "
			"layout changed, is not NULL, and objects on the heap are not converted");
}

static enum test_result heap_list_local(struct test_ctx *ctx)
{
	return run_with(ctx, "-DLOCAL_LIST", "rolled-back", "local list of main(): list, a pointer to "
			"'struct node', whose layout changed, is not NULL");
}

UPDATE_TEST(heap_list, heap_list)
UPDATE_TEST(heap_list_local, heap_list_local)
