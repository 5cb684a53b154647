// SPDX-License-Identifier: GPL-2.0
/*
 * update/partial_*: partial updates (upstarectl update --threads, --depth)
 * and the type-safety check at the check barrier (runtime.rst, "Partial
 * updates"; constraints.rst, "Type safety").  selftests/updates/partial:
 * thread "boss" (main, boss, beat) never touches struct stats; "counter"
 * counts into the global stats, which v2 extends.
 *
 *  partial_typesafe   --threads boss would leave counter's frame, which
 *      uses struct stats, in the old code: refused with the frame, the
 *      thread and the type; v1 goes on with its count; then the scope
 *      --threads boss,counter covers every frame: applied, the count goes
 *      on in v2;
 *  partial_old_frames --threads counter leaves only boss's frames (no
 *      changed type), and --depth 1 boss's outer frames: refused all the
 *      same, since the runtime cannot keep a frame in the old code; a
 *      misspelt thread name is refused too; v1 goes on;
 *  partial_constraints partial_typesafe with a constraint file: the refusal
 *      is final (result refused at once, not abandoned at the deadline);
 *  partial_daemon     partial_typesafe through upstared, with --depth; its
 *      readiness check must see threads that a release left running in
 *      rebuild entries (__us_rb_*) as instrumented.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "updlib.h"

static bool start(struct upd *u, struct test_ctx *ctx, enum test_result *res)
{
	return upd_init(u, ctx, "partial", res) && upd_prepare(u, "v2/prog.c xform.c") &&
	       upd_run(u, "v1 requests=20 ") && upd_wait(u, "v1 beat 5\n", 0, 10);
}

/* Refused: nothing changed, v1 counts on from where it was. */
static bool refused_v1_goes_on(struct upd *u, const char *reason, const char *what)
{
	char *r = upd_field(u, "result"), *g = upd_field(u, "generation");
	long before = upd_last_value(u, "v1 requests=");
	char want[64];
	bool ok;

	snprintf(want, sizeof(want), "v1 requests=%ld ", before + 10);
	ok = ASSERT_STREQ(r, "refused", what) && ASSERT_STREQ(g, "0", "generation unchanged") &&
	     ASSERT_NEQ(u->status, 0, "exit status") &&
	     ASSERT_STRSTR(u->json, reason, "the reason") &&
	     upd_wait(u, want, 0, 10) && upd_wait(u, "v1 beat", 0, 10) &&
	     ASSERT_EQ(upd_first_value(u, "v2 requests="), -1, "no v2 output");
	free(r);
	free(g);
	return ok;
}

/* Applied: v2 counts on from v1's count, with the transformed field. */
static bool applied_v2_goes_on(struct upd *u)
{
	char *r = upd_field(u, "result");
	long last = upd_last_value(u, "v1 requests=");
	bool ok;

	ok = ASSERT_STREQ(r, "applied", "result") && ASSERT_EQ(u->status, 0, "exit status") &&
	     upd_wait(u, "errors=42 bytes=7\n", 0, 10) && upd_wait(u, "v2 beat", 0, 10) &&
	     ASSERT_TRUE(upd_first_value(u, "v2 requests=") >= last, "the count goes on");
	free(r);
	return ok;
}

static enum test_result typesafe(struct test_ctx *ctx, const char *sock, const char *all,
			       const char *some)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!start(&u, ctx, &res))
		goto out;
	u.sock = sock;
	u.extra = some;
	if (!upd_update(&u, "v2.so", 5000) ||
	    !refused_v1_goes_on(&u, "type safety: thread ", "refused") ||
	    !ASSERT_STRSTR(u.json, "(counter, role counter), frame #0 counter (",
			   "names the thread and the frame") ||
	    !ASSERT_STRSTR(u.json, "uses struct stats, which the patch changes",
			   "names the type") ||
	    !ASSERT_STRSTR(u.json, "(thread not in --threads)", "says why"))
		goto out;
	u.extra = all;
	if (!upd_update(&u, "v2.so", 5000) || !applied_v2_goes_on(&u))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result partial_typesafe(struct test_ctx *ctx)
{
	return typesafe(ctx, NULL, "--threads boss,counter", "--threads boss");
}

static enum test_result partial_constraints(struct test_ctx *ctx)
{
	static const char rules[] = "timeout 3s\nforbid thread \"nobody\" in beat\n";
	char path[512], some[600], all[600];

	snprintf(path, sizeof(path), "%s/c.cons", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, rules, strlen(rules)), "write c.cons"))
		return TEST_FAIL;
	snprintf(some, sizeof(some), "--constraints %s --threads boss", path);
	snprintf(all, sizeof(all), "--constraints %s --depth 3", path);
	return typesafe(ctx, NULL, all, some);
}

static enum test_result partial_old_frames(struct test_ctx *ctx)
{
	static const char cannot[] = "would not be rebuilt, and the runtime cannot leave a "
				     "frame in the old code";
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!start(&u, ctx, &res))
		goto out;
	u.extra = "--threads counter";
	if (!upd_update(&u, "v2.so", 5000) || !refused_v1_goes_on(&u, cannot, "--threads") ||
	    !ASSERT_STRSTR(u.json, "(boss, role main): frames #0-#", "names boss's frames") ||
	    !ASSERT_TRUE(!strstr(u.json, "type safety"), "no frame uses a changed type"))
		goto out;
	u.extra = "--depth 1";
	if (!upd_update(&u, "v2.so", 5000) || !refused_v1_goes_on(&u, cannot, "--depth") ||
	    !ASSERT_TRUE(strstr(u.json, "(boss, role main): frame #1 (main) would not") ||
			 strstr(u.json, "(boss, role main): frames #1-#2 (main) would not"),
			 "names boss's frames from #1 out to main"))
		goto out;
	u.extra = "--threads boss,cuonter";
	if (!upd_update(&u, "v2.so", 5000) ||
	    !refused_v1_goes_on(&u, "--threads: 'cuonter' names no thread", "misspelt"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result partial_daemon(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res;
	struct daemon d = {};

	if (skip)
		return test_skip("%s", skip);
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	res = typesafe(ctx, d.sock, "--depth 64", "--threads boss");
	res = daemon_finish(&d, res);
	return res;
}

UPDATE_TEST(partial_typesafe, partial_typesafe)
UPDATE_TEST(partial_old_frames, partial_old_frames)
UPDATE_TEST(partial_constraints, partial_constraints)
UPDATE_TEST(partial_daemon, partial_daemon)
