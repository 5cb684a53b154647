// SPDX-License-Identifier: GPL-2.0
/*
 * faults/bounded_stall: a thread that can never park (it blocks every
 * signal behind the runtime's back and waits in read()) used to hold every
 * other thread parked for the whole --timeout (2 s here: a 2 s outage of
 * the service).  The parked threads are now released when the last has not
 * parked within the park budget (50 ms) of the first, and the update is
 * asked again 50 ms later, until the deadline: the result is still
 * "timeout", naming the thread and the number of attempts, but the main
 * thread, which prints its clock every 2 ms, is never held long.  Checked:
 * its longest gap during the update is under 1 s (the budget plus the
 * rebuild, with a wide margin for a loaded machine; without the budget it
 * is the whole 2 s), and it went on in version 1.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

/* The longest gap between two "v1 n=N ms=T" lines of out. */
static long longest_gap(const char *out)
{
	long long prev = -1, t, gap = 0;

	for (const char *p = out; (p = strstr(p, " ms=")); p++) {
		t = atoll(p + 4);
		if (prev >= 0 && t - prev > gap)
			gap = t - prev;
		prev = t;
	}
	return gap;
}

/*
 * Update case NAME (--tree with tree), whose blocker thread never parks:
 * the result is a timeout that says WHY, and the thread printing its clock
 * was never held for long.
 */
static enum test_result stall_case(struct test_ctx *ctx, const char *name, bool tree,
				   const char *why)
{
	enum test_result res = TEST_FAIL;
	size_t from, len;
	char *out = NULL;
	struct upd u;
	long gap;

	if (!upd_init(&u, ctx, name, &res))
		return res;
	u.tree = tree;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "blocker ready") ||
	    !upd_wait(&u, "v1 n=20 ", 0, 10))
		goto out;
	free(upd_output(&u, &from));
	if (!upd_expect(&u, "v2.so", 2000, "timeout", "result") ||
	    !ASSERT_STRSTR(u.json, why, "why") ||
	    !ASSERT_STRSTR(u.json, "(blocker)", "the thread named") ||
	    !upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		goto out;
	out = upd_output(&u, &len);
	gap = longest_gap(out + from);
	test_log("longest gap of the working thread during the update: %ld ms", gap);
	if (!ASSERT_TRUE(gap < 1000, "the working thread never held for the whole timeout"))
		goto out;
	res = TEST_PASS;
out:
	free(out);
	upd_stop(&u);
	return res;
}

static enum test_result bounded_stall(struct test_ctx *ctx)
{
	return stall_case(ctx, "stall", false, "no moment before the deadline when every thread "
			  "parked within 50 ms (");
}

UPSTARE_GROUP_TEST("faults", bounded_stall, bounded_stall)

/*
 * faults/bounded_stall_tree: the same in a process tree (--tree): the
 * child can never park, and its parent's threads were held parked for the
 * whole timeout, waiting for the group.  Now the child, released by its
 * park budget, aborts the group, the parent's threads go back to work, and
 * the whole group is asked again: the parent's longest gap stays under
 * 1 s (2 s before), the result names the child's thread.
 */
static enum test_result bounded_stall_tree(struct test_ctx *ctx)
{
	return stall_case(ctx, "stall_tree", true, "no moment before the deadline when every "
			  "thread of every process parked within 50 ms (");
}

UPSTARE_GROUP_TEST("faults", bounded_stall_tree, bounded_stall_tree)
