// SPDX-License-Identifier: GPL-2.0
/*
 * update/constraints_*: live updates under a constraint file
 * (upstarectl update --constraints, Documentation/constraints.rst).
 *
 *  constraints_transaction  a worker sleeps inside transactions and between
 *      them; with "forbid any in transaction" the update waits until it is
 *      between two, and no transaction is split across versions (each end()
 *      checks the version its begin() ran in);
 *  constraints_require      the same with "require thread role worker in
 *      worker at usleep#1" (the worker must be asleep between two);
 *  constraints_conjunction  the same with a conjunction across the two
 *      threads (main is always in main);
 *  constraints_never, constraints_conjunction_never  constraints that can
 *      never hold: the update is abandoned at the deadline, naming the
 *      constraint, the thread and the frame, and the program goes on in v1
 *      with its state;
 *  constraints_invalid      an invalid file starts nothing;
 *  constraints_daemon       constraints_transaction through upstared (its
 *      readiness check, then the same check barrier and retries).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "observe.h"
#include "updlib.h"

/* The upstared socket the update goes through, or NULL: --direct. */
static const char *daemon_sock;

static bool update_with(struct upd *u, const char *patch, const char *cons_text,
			struct cmd_result *r)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/c.cons", u->ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, cons_text, strlen(cons_text)), "write c.cons") ||
	    !ASSERT_OK(run_cmd(r, 120, "UPSTARE_SOCKET=%s %s/bin/upstarectl update --pid %d "
			       "--patch %s/%s --constraints %s --json%s%s",
			       daemon_sock ?: "/nonexistent", upstare_build_dir(), u->pid,
			       u->ctx->tmpdir, patch, path, u->tree ? " --tree" : "",
			       daemon_sock ? "" : " --direct"),
		       "run upstarectl"))
		return false;
	snprintf(u->json, sizeof(u->json), "%s", r->out);
	u->status = r->status;
	test_log("upstarectl update --constraints: status %d: %s%s", r->status, r->out, r->err);
	return true;
}

static bool start(struct upd *u, struct test_ctx *ctx, enum test_result *res)
{
	return upd_init(u, ctx, "transaction", res) && upd_prepare(u, "v2/prog.c") &&
	       upd_run(u, "v1 main ready") && upd_wait(u, "v1 done 50 ", 0, 20);
}

/* start, then update to v2.so under TIMING followed by RULES. */
static bool start_update(struct upd *u, struct test_ctx *ctx, enum test_result *res,
			 const char *timing, const char *rules, struct cmd_result *r)
{
	char text[512];

	snprintf(text, sizeof(text), "%s%s", timing, rules);
	return start(u, ctx, res) && update_with(u, "v2.so", text, r);
}

/* The update must happen, and split no transaction. */
static enum test_result applied_unsplit(struct test_ctx *ctx, const char *rules)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char *out = NULL, *result = NULL;
	struct upd u;

	if (!start_update(&u, ctx, &res, "timeout 10s\nretry 2ms backoff 1.5 max 20ms\n", rules,
			  &r))
		goto out;
	result = upd_field(&u, "result");
	if (!ASSERT_STREQ(result, "applied", "result") || !ASSERT_EQ(u.status, 0, "status"))
		goto out;
	/* v2 goes on counting from v1's state, and nothing was split */
	if (!upd_wait(&u, "v2 done", 0, 20))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "split:"), "no transaction split across versions") ||
	    !ASSERT_TRUE(upd_first_value(&u, "v2 done ") > upd_last_value(&u, "v1 done "),
			 "the count goes on"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	free(out);
	free(result);
	return res;
}

static enum test_result transaction(struct test_ctx *ctx)
{
	return applied_unsplit(ctx, "forbid any in transaction\n");
}

/* The worker is required to be between two transactions, asleep in worker(). */
static enum test_result require(struct test_ctx *ctx)
{
	return applied_unsplit(ctx, "require thread role worker in worker at usleep#1\n");
}

/* Main is always in main: the conjunction holds exactly when the worker is in a transaction. */
static enum test_result conjunction(struct test_ctx *ctx)
{
	return applied_unsplit(ctx, "forbid { thread role main in main ;\n"
			       "         thread role worker in transaction }\n");
}

/* The update is abandoned at the deadline; the program goes on in v1. */
static enum test_result abandoned(struct test_ctx *ctx, const char *rules, const char *why)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char *out = NULL, *result = NULL;
	struct upd u;

	if (!start_update(&u, ctx, &res, "timeout 500ms\nretry 10ms backoff 2 max 100ms\n",
			  rules, &r))
		goto out;
	result = upd_field(&u, "result");
	if (!ASSERT_STREQ(result, "abandoned", "result") || !ASSERT_EQ(u.status, 1, "status") ||
	    !ASSERT_STRSTR(r.out, "the constraints did not hold before the deadline",
			   "says why") ||
	    !ASSERT_STRSTR(r.out, why, "the reason names the constraint, thread and frame"))
		goto out;
	/* still v1, with its state: the count goes on */
	if (!upd_wait_new(&u, "v1 done", 20) || !ASSERT_TRUE(upd_alive(&u), "alive"))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "nothing ran v2"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	free(out);
	free(result);
	return res;
}

static enum test_result never(struct test_ctx *ctx)
{
	return abandoned(ctx, "forbid thread role worker in begin, end, transaction, worker\n",
			 "c.cons:3:1: forbid thread role worker in begin, end, transaction, "
			 "worker: thread ");
}

static enum test_result conjunction_never(struct test_ctx *ctx)
{
	return abandoned(ctx, "forbid { thread role main in main ; thread role worker in worker }\n",
			 "c.cons:3:1: forbid { thread role main in main ; thread role worker in "
			 "worker }: thread ");
}

static enum test_result invalid(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	struct upd u;
	size_t len;

	if (!start(&u, ctx, &res))
		goto out;
	free(upd_output(&u, &len));
	if (!update_with(&u, "v2.so", "timeout 1\nforbid any\n", &r))
		goto out;
	if (!ASSERT_EQ(r.status, 2, "status") ||
	    !ASSERT_STRSTR(r.err, "c.cons:1:9: duration '1' needs a unit (us, ms, s or m)\n",
			   "first error") ||
	    !ASSERT_STRSTR(r.err, "c.cons:2:11: expected 'in' after the thread, found end of "
			   "line\n", "second error") ||
	    !ASSERT_STREQ(r.out, "", "no update report"))
		goto out;
	if (!upd_wait(&u, "v1 done", len, 20))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	return res;
}

/* The transaction case through upstared. */
static enum test_result transaction_daemon(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res;
	struct daemon d = {};
	char *log;

	if (skip)
		return test_skip("%s", skip);
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	daemon_sock = d.sock;
	res = applied_unsplit(ctx, "forbid any in transaction\n");
	daemon_sock = NULL;
	log = read_file(d.log, NULL);
	if (res == TEST_PASS &&
	    !ASSERT_STRSTR(log, "every thread ready", "the daemon checked readiness first"))
		res = TEST_FAIL;
	free(log);
	res = daemon_finish(&d, res);
	return res;
}

UPDATE_TEST(constraints_transaction, transaction)
UPDATE_TEST(constraints_daemon, transaction_daemon)
UPDATE_TEST(constraints_require, require)
UPDATE_TEST(constraints_conjunction, conjunction)
UPDATE_TEST(constraints_never, never)
UPDATE_TEST(constraints_conjunction_never, conjunction_never)
UPDATE_TEST(constraints_invalid, invalid)

/*
 * update/constraints_automatic: the worker is caught inside a wait that
 * version 2 does not have; the points there become automatic constraints
 * (--explain lists them) and the update waits until the worker has left.
 */
static enum test_result automatic(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char path[512], *result = NULL;
	struct upd u;

	if (!upd_init(&u, ctx, "automatic", &res) || !upd_prepare(&u, "v2/prog.c") ||
	    !upd_run(&u, "v1 main ready"))
		goto out;
	snprintf(path, sizeof(path), "%s/c.cons", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, "timeout 20s\nretry 5ms backoff 2 max 50ms\n", 40),
		       "write c.cons"))
		goto out;
	/* the worker cannot leave before the file exists: a second from now */
	if (!ASSERT_OK(run_cmd(&r, 120, "cd '%s' && (sleep 1; touch leave) & "
			       "%s/bin/upstarectl update --pid %d --patch %s/v2.so "
			       "--constraints %s --explain --json; st=$?; wait; exit $st",
			       ctx->tmpdir, upstare_build_dir(), u.pid, ctx->tmpdir, path),
		       "run upstarectl"))
		goto out;
	snprintf(u.json, sizeof(u.json), "%s", r.out);
	test_log("upstarectl: status %d: %s%s", r.status, r.out, r.err);
	result = upd_field(&u, "result");
	if (!ASSERT_STREQ(result, "applied", "result") ||
	    !ASSERT_STRSTR(r.err, "forbid any in transaction at ", "automatic constraint") ||
	    !ASSERT_STRSTR(r.err, "    automatic: ", "with its origin") ||
	    !ASSERT_STRSTR(r.err, "continuation point transaction at ", "names the point") ||
	    !ASSERT_STRSTR(r.err, ": no point with this key in the patch, and no mapping\n",
			   "and why") ||
	    !upd_wait(&u, "v1 left", 0, 10) || !upd_wait(&u, "v2 done", 0, 20))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	free(result);
	return res;
}

/*
 * update/constraints_tree: a parent and three pre-forked workers (--tree):
 * the constraints are checked on the threads of the four processes at
 * once.  "forbid any in loop" never holds (each process loops there): the
 * update is abandoned with one reason per process and all four go on in
 * v1; "require thread role main in loop" holds in every process: the four
 * are updated together.
 */
static enum test_result tree(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char *result = NULL, *parked = NULL, pre[32];
	const char *p;
	struct upd u;
	size_t len;
	int nreasons = 0;

	if (!upd_init(&u, ctx, "prefork", &res))
		return res;
	unsetenv("BLOCK_IN_CHILD");
	u.tree = true;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 proc 3 n=20\n"))
		goto out;
	if (!update_with(&u, "v2.so", "timeout 300ms\nretry 10ms backoff 2 max 100ms\n"
			 "forbid any in loop\n", &r))
		goto out;
	result = upd_field(&u, "result");
	for (p = r.out; (p = strstr(p, "c.cons:3:1: forbid any in loop: thread ")); p++)
		nreasons++;
	if (!ASSERT_STREQ(result, "abandoned", "never holds") ||
	    !ASSERT_EQ(nreasons, 4, "one reason per process"))
		goto out;
	free(upd_output(&u, &len));
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v1 proc %d n=", i);
		if (!upd_wait(&u, pre, len, 10))
			goto out;
	}
	cmd_result_free(&r);
	free(result);
	if (!update_with(&u, "v2.so", "timeout 10s\nrequire thread role main in loop\n", &r))
		goto out;
	result = upd_field(&u, "result");
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(result, "applied", "holds in every process") ||
	    !ASSERT_STREQ(parked, "4", "4 processes"))
		goto out;
	for (int i = 0; i < 4; i++) {
		snprintf(pre, sizeof(pre), "v2 proc %d n=", i);
		if (!upd_wait(&u, pre, 0, 10))
			goto out;
	}
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	free(result);
	free(parked);
	return res;
}

UPDATE_TEST(constraints_automatic, automatic)
UPDATE_TEST(constraints_tree, tree)
