// SPDX-License-Identifier: GPL-2.0
/*
 * The patch's hooks (UPSTARE_PRE_COMMIT, UPSTARE_ON_ROLLBACK) and
 * upstare_new_function(), for state outside what the update converts: a
 * library that links each connection's embedded event (updates/hooks).
 * Version 2's connection is larger, its event elsewhere in it, and its
 * callback a new static function.  The conversion moves every connection
 * to a new object; without the hooks the library would go on calling
 * version 1's callback on the old objects.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

/* The line "v2 n=N ..." of the output: its count and seen. */
static bool line_values(struct upd *u, const char *v, long n, long *count, long *seen)
{
	char needle[64], *out = upd_output(u, NULL), *at;
	bool ok;

	snprintf(needle, sizeof(needle), "%s n=%ld conns=10 fired=10 ok=10 count=", v, n);
	at = out ? strstr(out, needle) : NULL;
	ok = at && sscanf(at + strlen(needle), "%ld seen=%ld", count, seen) == 2;
	free(out);
	return ASSERT_TRUE(ok, needle);
}

/*
 * update/hooks: applied; the pre-commit hook moved every event to the new
 * connections with version 2's callback: every event fires on a new
 * connection (ok=10: its event's argument is the connection, linked, with
 * on_ready2), and both counts grow by 10 a pass, the count carried over.
 */
static enum test_result hooks(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	long n1, c1, s1, c2, s2;
	struct upd u;

	if (!upd_init(&u, ctx, "hooks", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c lib.c") ||
	    !upd_patch(&u, "v1", "v2.so", "v2/prog.c lib.c hooks.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 n=20 conns=10 fired=10 ok=10 count=200 ", 0,
					      10) ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	n1 = upd_first_value(&u, "v2 n=");
	if (!upd_waitf(&u, 0, 5, "v2 n=%ld ", n1 + 2) ||
	    !line_values(&u, "v2", n1 + 1, &c1, &s1) || !line_values(&u, "v2", n1 + 2, &c2, &s2) ||
	    !ASSERT_EQ(c2 - c1, 10, "count grows by 10 a pass") ||
	    !ASSERT_EQ(s2 - s1, 10, "seen grows by 10 a pass") ||
	    !ASSERT_TRUE(c1 >= 10 * (n1 - 1), "the count carried over"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

/*
 * update/hooks_rollback: the pre-commit hook fails after moving 4 events:
 * rolled back with its reason, and the rollback hook put the 4 old events
 * back in the library's list before the new connections were freed:
 * version 1 goes on with all 10 events firing on its connections.
 */
static enum test_result hooks_rollback(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	long n, c1, s1, c2, s2;
	struct upd u;

	if (!upd_init(&u, ctx, "hooks", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c lib.c") ||
	    !upd_patch(&u, "v1", "v2.so", "-DFAIL_AT=4 v2/prog.c lib.c hooks.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 n=20 ", 0, 10) ||
	    !upd_expect(&u, "v2.so", 5000, "rolled-back", "result") ||
	    !ASSERT_STRSTR(u.json, "pre-commit hook move_events failed (-5): failing on purpose "
			   "after 4 events", "the reason") ||
	    !upd_goes_on(&u, "v1 n=", false, NULL, NULL))
		goto out;
	n = upd_last_value(&u, "v1 n=");
	if (!upd_waitf(&u, 0, 5, "v1 n=%ld ", n + 2) ||
	    !line_values(&u, "v1", n + 1, &c1, &s1) || !line_values(&u, "v1", n + 2, &c2, &s2) ||
	    !ASSERT_EQ(c2 - c1, 10, "count grows by 10 a pass"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

/*
 * update/old_global: a chain v1 -> v2 -> v3 (updates/old_global): v3's
 * pre-commit hook finds version 2's globals with upstare_old_global()
 * where version 2 keeps them, though the v1 -> v2 patch moved two of them
 * (a global and a static widened to long), the global count and not
 * other.c's static of that name, and a static new in version 2; a static
 * that this very patch moves, named without its file while another file
 * has one of that name, gives nothing (v2's hook); and after the update,
 * outside any hook, neither it nor upstare_new_function() answers.  Before, it got
 * version 1's stale storage for the moved ones, other.c's static for
 * "count", and the moved static for "limit".
 */
static enum test_result old_global(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "old_global", &res))
		return res;
	if (!upd_build(&u, "v1", "prog.c other.c") ||
	    !upd_patch(&u, "v1", "v2.so", "-DV2 prog.c other.c hook2.c") ||
	    !upd_patch(&u, "v2.so", "v3.so", "-DV3 prog.c other.c hook.c") ||
	    !upd_start(&u, "v1") || !upd_wait(&u, "v1 n=10 ", 0, 10) ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "v1 -> v2: the hook found every global") ||
	    !upd_wait(&u, "HOOK2 ok ", 0, 5) || !upd_wait(&u, "v2 n=", 0, 10) ||
	    !upd_expect(&u, "v3.so", 5000, "applied", "v2 -> v3: the hook found every global") ||
	    !upd_wait(&u, "HOOK ok ", 0, 5) || !upd_wait(&u, "outside=none", 0, 10) ||
	    !upd_wait(&u, "v3 n=", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(hooks, hooks)
UPDATE_TEST(hooks_rollback, hooks_rollback)
UPDATE_TEST(old_global, old_global)
