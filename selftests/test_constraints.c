// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files (controller/constraints_*.c):
 *
 *  constraints/bad/NAME    one case per malformed file in selftests/constraints/
 *                          bad/: the file's "# expect: LINE:COL: MESSAGE" header
 *                          lines are exactly the errors the parser must report,
 *                          in order, and the parser must return nothing;
 *  constraints/good/NAME   one case per valid file in good/: its structure
 *                          (cons_dump) is NAME.expect, and its canonical text
 *                          parses back to the same text;
 *  constraints/eval_*      the evaluator on synthetic stacks;
 *  constraints/check_*     upstarectl check-constraints against a small
 *                          program built with upstare-cc;
 *  constraints/fuzz        the libFuzzer target for 10 s (60 s in check-long).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "constraints.h"
#include "test.h"

/* ------------------------------------------------------------ bad files */

static enum test_result run_bad(struct test_ctx *ctx)
{
	const char *path = ctx->data, *base = strrchr(path, '/') + 1;
	struct cons_diags d = { 0 };
	char *text = read_file(path, NULL), *line, *save = NULL;
	char **want = NULL;
	size_t nwant = 0;
	struct cons_file *cf;
	bool ok = true;

	if (!ASSERT_TRUE(text != NULL, "read the case"))
		return TEST_FAIL;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (!strncmp(line, "# expect: ", 10)) {
			want = realloc(want, (nwant + 1) * sizeof(*want));
			want[nwant++] = line + 10;
		}
	if (!ASSERT_TRUE(nwant > 0, "the case has '# expect:' lines"))
		goto out;
	errno = 0;
	cf = cons_parse_file(path, &d);
	ok = ASSERT_TRUE(cf == NULL, "an invalid file parses to nothing") &&
	     ASSERT_EQ(errno, EINVAL, "errno");
	cons_free(cf);
	for (size_t i = 0; i < d.n || i < nwant; i++) {
		char got[512] = "(none)";

		if (i < d.n)
			snprintf(got, sizeof(got), "%u:%u: %s", d.v[i].loc.line, d.v[i].loc.col,
				 d.v[i].msg);
		ok = ASSERT_STREQ(got, i < nwant ? want[i] : "(none)", base) && ok;
	}
	if (d.n && !ASSERT_STREQ(d.file, path, "diagnostics name the file"))
		ok = false;
out:
	cons_diags_free(&d);
	free(want);
	free(text);
	return ok && nwant ? TEST_PASS : TEST_FAIL;
}

/* ----------------------------------------------------------- good files */

static char *dump_string(const struct cons_file *cf, bool canonical)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	if (canonical)
		cons_print(cf, f);
	else
		cons_dump(cf, f);
	fclose(f);
	return s;
}

static enum test_result run_good(struct test_ctx *ctx)
{
	const char *path = ctx->data;
	struct cons_diags d = { 0 }, d2 = { 0 };
	struct cons_file *cf, *cf2 = NULL;
	char *expect_path, *want, *got = NULL, *canon = NULL, *canon2 = NULL;
	bool ok = false;

	if (asprintf(&expect_path, "%.*s.expect", (int)strlen(path) - 5, path) < 0)
		return TEST_FAIL;
	want = read_file(expect_path, NULL);
	if (!ASSERT_TRUE(want != NULL, "read NAME.expect"))
		goto out;
	cf = cons_parse_file(path, &d);
	if (!cf) {
		cons_diags_print(&d, stderr);
		test_fail_at(__FILE__, __LINE__, "%s does not parse", path);
		goto out;
	}
	got = dump_string(cf, false);
	ok = ASSERT_STREQ(got, want, "structure");
	canon = dump_string(cf, true);
	cf2 = cons_parse("canonical", canon, strlen(canon), &d2);
	ok = ASSERT_TRUE(cf2 != NULL, "canonical text parses") && ok;
	if (cf2) {
		canon2 = dump_string(cf2, true);
		ok = ASSERT_STREQ(canon2, canon, "canonical text is stable") && ok;
		ok = ASSERT_EQ(cf2->nrules, cf->nrules, "rules after round trip") && ok;
	}
	test_log("canonical:\n%s", canon);
	cons_free(cf);
	cons_free(cf2);
out:
	cons_diags_free(&d);
	cons_diags_free(&d2);
	free(expect_path);
	free(want);
	free(got);
	free(canon);
	free(canon2);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* ------------------------------------------------------------ evaluator */

static struct cons_file *parse_str(const char *text)
{
	struct cons_diags d = { 0 };
	struct cons_file *cf = cons_parse("test.cons", text, strlen(text), &d);

	if (!cf)
		cons_diags_print(&d, stderr);
	cons_diags_free(&d);
	return cf;
}

/* Frames of a server: a worker in the middle of a two-step transaction. */
static const struct cons_frame worker_in_txn[] = {
	{ "write", NULL, 0, NULL },	/* uninstrumented: nothing known but the name */
	{ "log_append", "/srv/src/log.c", 42, "write#1" },
	{ "commit_txn", "/srv/src/txn.c", 118, "log_append#2" },
	{ "handle_request", "/srv/src/server.c", 77, "commit_txn#1" },
	{ "worker_main", "/srv/src/server.c", 30, "handle_request#1" },
};
static const struct cons_frame worker_idle[] = {
	{ "recv", NULL, 0, NULL },
	{ "read_request", "/srv/src/server.c", 61, "recv#1" },
	{ "handle_request", "/srv/src/server.c", 70, "read_request#1" },
	{ "worker_main", "/srv/src/server.c", 30, "handle_request#1" },
};
static const struct cons_frame acceptor_waiting[] = {
	{ "accept", NULL, 0, NULL },
	{ "accept_loop", "/srv/src/server.c", 95, "accept#1" },
	{ "main", "/srv/src/server.c", 120, "accept_loop#1" },
};
static const struct cons_frame acceptor_busy[] = {
	{ "spawn_worker", "/srv/src/server.c", 101, "pthread_create#1" },
	{ "accept_loop", "/srv/src/server.c", 97, "spawn_worker#1" },
	{ "main", "/srv/src/server.c", 120, "accept_loop#1" },
};
static const struct cons_frame rotator_rotating[] = {
	{ "rename", NULL, 0, NULL },
	{ "rotate", "/srv/src/log.c", 80, "rename#1" },
	{ "logger_main", "/srv/src/log.c", 20, "rotate#1" },
};
static const struct cons_frame rotator_sleeping[] = {
	{ "nanosleep", NULL, 0, NULL },
	{ "logger_main", "/srv/src/log.c", 18, "sleep#1" },
};

#define THREAD(tid, comm, role, fr) { tid, comm, role, fr, sizeof(fr) / sizeof(fr[0]) }
/* The threads of the example server: its acceptor, workers and log rotator. */
#define SERVER(fr) THREAD(100, "server", "main", fr)
#define WORKER(tid, fr) THREAD(tid, "worker", "worker_main", fr)
#define ROTATOR(fr) THREAD(103, "rotator", "logger_main", fr)
/* The constraints hold on snapshot S (cons_eval returns 1): an assertion. */
#define HOLDS(cf, s, what) ({							\
	struct cons_result __r;							\
	bool __ok = ASSERT_EQ(cons_eval(cf, s, &__r), 1, what);			\
	cons_result_free(&__r);							\
	__ok; })

/* The transaction region (txn.c:110-130) delays the update; leaving it lets it go. */
static enum test_result eval_transaction(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("forbid any in txn.c:110-130\n"
					 "forbid any in commit_txn at log_append#2\n");
	struct cons_thread busy[] = {
		SERVER(acceptor_waiting),
		WORKER(101, worker_idle),
		WORKER(102, worker_in_txn),
	};
	struct cons_thread idle[] = {
		SERVER(acceptor_waiting),
		WORKER(101, worker_idle),
		WORKER(102, worker_idle),
	};
	struct cons_snapshot s1 = { busy, 3 }, s2 = { idle, 3 };
	struct cons_result r;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	ok = ASSERT_EQ(cons_eval(cf, &s1, &r), 0, "a thread inside the transaction") &&
	     ASSERT_EQ(r.n, 2, "one violation per rule") &&
	     ASSERT_EQ(r.v[0].nw, 1, "one witness") &&
	     ASSERT_EQ(r.v[0].w[0].tid, 102, "the thread in the transaction") &&
	     ASSERT_EQ(r.v[0].w[0].frame, 2, "its commit_txn frame") &&
	     ASSERT_STREQ(r.v[0].reason, "test.cons:1:1: forbid any in txn.c:110-130: thread 102 "
			  "(worker, role worker_main) is inside, at frame #2 commit_txn "
			  "(/srv/src/txn.c:118) at log_append#2", "reason") &&
	     ASSERT_TRUE(cons_violation_has_tid(&r.v[1], 102), "second rule, same thread") &&
	     ASSERT_TRUE(!cons_violation_has_tid(&r.v[1], 101), "not the idle worker");
	test_log("%s", r.n ? r.v[0].reason : "");
	cons_result_free(&r);
	ok = ok && ASSERT_EQ(cons_eval(cf, &s2, &r), 1, "every thread outside") &&
	     ASSERT_EQ(r.n, 0, "no violation");
	cons_result_free(&r);
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* forbid { A ; B } holds only while both are true at once, by any threads. */
static enum test_result eval_conjunction(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("forbid { thread role worker_main in log_append ;\n"
					 "         thread \"rotator\" in rotate }\n");
	struct cons_thread both[] = {
		WORKER(101, worker_in_txn),
		ROTATOR(rotator_rotating),
	};
	struct cons_thread only_a[] = {
		WORKER(101, worker_in_txn),
		ROTATOR(rotator_sleeping),
	};
	struct cons_thread only_b[] = {
		WORKER(101, worker_idle),
		ROTATOR(rotator_rotating),
	};
	/* the rotator is in rotate, but it is not named "rotator" */
	struct cons_thread wrong_name[] = {
		WORKER(101, worker_in_txn),
		THREAD(103, "logger", "logger_main", rotator_rotating),
	};
	struct cons_snapshot s_both = { both, 2 }, s_a = { only_a, 2 }, s_b = { only_b, 2 };
	struct cons_snapshot s_name = { wrong_name, 2 };
	struct cons_result r;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	ok = ASSERT_EQ(cons_eval(cf, &s_both, &r), 0, "both at once") &&
	     ASSERT_EQ(r.n, 1, "one violation") && ASSERT_EQ(r.v[0].nw, 2, "two witnesses") &&
	     ASSERT_EQ(r.v[0].w[0].tid, 101, "writer") && ASSERT_EQ(r.v[0].w[0].frame, 1, "frame") &&
	     ASSERT_EQ(r.v[0].w[1].tid, 103, "rotator") && ASSERT_EQ(r.v[0].w[1].frame, 1, "frame") &&
	     ASSERT_STRSTR(r.v[0].reason, "thread 101 (worker, role worker_main) is at frame #1 "
			   "log_append (/srv/src/log.c:42) at write#1; and thread 103 (rotator, "
			   "role logger_main) is at frame #1 rotate", "reason");
	cons_result_free(&r);
	ok = ok && HOLDS(cf, &s_a, "only the writer");
	ok = ok && HOLDS(cf, &s_b, "only the rotator");
	ok = ok && HOLDS(cf, &s_name, "clauses name their threads");
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* require: every thread named must be in the region; a missing thread fails. */
static enum test_result eval_require(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("require thread \"server\" in accept_loop at accept#1\n"
					 "require thread role worker_main in read_request\n");
	struct cons_thread good[] = {
		SERVER(acceptor_waiting),
		WORKER(101, worker_idle),
		WORKER(102, worker_idle),
	};
	struct cons_thread bad[] = {
		SERVER(acceptor_busy),
		WORKER(101, worker_idle),
		WORKER(102, worker_in_txn),
	};
	struct cons_thread no_workers[] = {
		SERVER(acceptor_waiting),
	};
	struct cons_snapshot sg = { good, 3 }, sb = { bad, 3 }, sn = { no_workers, 1 };
	struct cons_result r;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	ok = HOLDS(cf, &sg, "all where required");
	ok = ok && ASSERT_EQ(cons_eval(cf, &sb, &r), 0, "acceptor busy, a worker elsewhere") &&
	     ASSERT_EQ(r.n, 2, "two violations") &&
	     ASSERT_EQ(r.v[0].w[0].tid, 100, "the acceptor") &&
	     ASSERT_STREQ(r.v[0].reason, "test.cons:1:1: require thread \"server\" in accept_loop "
			  "at accept#1: thread 100 (server, role main) is not in accept_loop at "
			  "accept#1 (innermost frame #0 spawn_worker (/srv/src/server.c:101) at "
			  "pthread_create#1)", "reason") &&
	     ASSERT_EQ(r.v[1].w[0].tid, 102, "only the worker that is elsewhere");
	cons_result_free(&r);
	ok = ok && ASSERT_EQ(cons_eval(cf, &sn, &r), 0, "no thread with the role") &&
	     ASSERT_EQ(r.n, 1, "one violation") &&
	     ASSERT_STRSTR(r.v[0].reason, "no thread is thread role worker_main", "reason");
	cons_result_free(&r);
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* A constraint that can never hold: every snapshot violates it, naming it. */
static enum test_result eval_never(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("timeout 300ms\nretry 10ms backoff 2 max 80ms\n"
					 "forbid any in main\n");
	struct cons_thread set[][2] = {
		{ SERVER(acceptor_waiting),
		  WORKER(101, worker_idle) },
		{ SERVER(acceptor_busy),
		  WORKER(101, worker_in_txn) },
	};
	static const uint64_t delays[] = { 10000, 20000, 40000, 80000, 80000, 80000 };
	struct cons_result r;
	bool ok = true;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	for (int i = 0; i < 2 && ok; i++) {
		struct cons_snapshot s = { set[i], 2 };

		ok = ASSERT_EQ(cons_eval(cf, &s, &r), 0, "never holds") &&
		     ASSERT_EQ(r.n, 1, "the main thread") &&
		     ASSERT_STRSTR(r.v[0].reason, "test.cons:3:1: forbid any in main: thread 100",
				   "names the constraint");
		cons_result_free(&r);
	}
	/* the retry schedule until the deadline: 10, 20, 40, 80, 80, ... ms */
	for (unsigned a = 0; a < 6 && ok; a++)
		ok = ASSERT_EQ(cons_retry_delay_us(cf, a), delays[a], "retry delay");
	ok = ok && ASSERT_EQ(cf->timeout_us, 300000, "deadline");
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Backoff rounds up, stops at the cap, and a factor of 1 keeps the interval. */
static enum test_result retry_schedule(struct test_ctx *ctx)
{
	struct cons_file *frac = parse_str("retry 3us backoff 1.5 max 10us\n");
	struct cons_file *flat = parse_str("timeout 1m\nretry 10ms backoff 1\n");
	static const uint64_t want[] = { 3, 5, 8, 10, 10 };
	bool ok = ASSERT_TRUE(frac && flat, "parse");

	for (unsigned a = 0; ok && a < 5; a++)
		ok = ASSERT_EQ(cons_retry_delay_us(frac, a), want[a], "fractional backoff");
	/* must not take 4 billion steps either */
	ok = ok && ASSERT_EQ(cons_retry_delay_us(flat, 4000000000u), 10000, "factor 1") &&
	     ASSERT_EQ(flat->retry_max_us, 500000, "default cap");
	cons_free(frac);
	cons_free(flat);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Unmappable continuation points become forbidden regions with their origin. */
static enum test_result eval_automatic(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("forbid any in rotate\n");
	struct cons_unmapped u[] = {
		{ "read_request", "recv#1", "server.c", 61, "no point with this key in the patch" },
		{ "commit_txn", "log_append#2", NULL, 0, NULL },
	};
	struct cons_thread th[] = {
		WORKER(101, worker_idle),
		WORKER(102, worker_in_txn),
	};
	struct cons_thread th_ok[] = {
		SERVER(acceptor_waiting),
	};
	struct cons_snapshot s = { th, 2 }, s_ok = { th_ok, 1 };
	char *text = NULL;
	struct cons_result r;
	size_t len;
	FILE *f;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	ok = ASSERT_OK(cons_add_automatic(cf, u, 2), "add") &&
	     ASSERT_EQ(cf->nrules, 3, "rules") && ASSERT_EQ(cf->nauto, 2, "automatic");
	f = open_memstream(&text, &len);
	cons_explain(cf, f);
	fclose(f);
	ok = ok && ASSERT_STREQ(text,
		"timeout 2s (default)\n"
		"retry 10ms backoff 2 max 500ms (default)\n"
		"forbid any in rotate\n"
		"    from test.cons:1:1\n"
		"forbid any in read_request at recv#1\n"
		"    automatic: server.c:61: continuation point read_request at recv#1: "
		"no point with this key in the patch\n"
		"forbid any in commit_txn at log_append#2\n"
		"    automatic: continuation point commit_txn at log_append#2: the patch "
		"cannot map it\n", "explain");
	free(text);
	ok = ok && ASSERT_EQ(cons_eval(cf, &s, &r), 0, "threads at unmappable points") &&
	     ASSERT_EQ(r.n, 2, "both") &&
	     ASSERT_STRSTR(r.v[0].reason, "automatic constraint forbid any in read_request at "
			   "recv#1: thread 101", "first") &&
	     ASSERT_EQ(r.v[1].w[0].tid, 102, "second");
	cons_result_free(&r);
	ok = ok && HOLDS(cf, &s_ok, "no thread there");
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Static functions of the same name in two files are told apart by file name. */
static enum test_result eval_unmapped(struct test_ctx *ctx)
{
	static const struct cons_prog_cp a_old[] = { { "entry", 1 }, { "write#1", 3 } };
	static const struct cons_prog_cp b_old[] = { { "entry", 1 }, { "read#1", 4 } };
	static const struct cons_prog_cp a_new[] = { { "entry", 1 }, { "write#1", 5 } };
	static const struct cons_prog_cp b_new[] = { { "entry", 1 }, { "read#2", 4 } };
	static const struct cons_prog_func f_old[] = {
		{ "flush", "v1/a.c", 1, 9, a_old, 2, NULL, 0 },
		{ "flush", "v1/b.c", 1, 9, b_old, 2, NULL, 0 },
		{ "gone", "v1/b.c", 10, 12, b_old, 1, NULL, 0 },
	};
	/* the new version lists b.c first: matching by name alone would mix them */
	static const struct cons_prog_func f_new[] = {
		{ "flush", "v2/b.c", 1, 9, b_new, 2, NULL, 0 },
		{ "flush", "v2/a.c", 1, 9, a_new, 2, NULL, 0 },
	};
	struct cons_program old = { "v1", f_old, 3, NULL, 0 }, new = { "v2", f_new, 2, NULL, 0 };
	struct cons_unmapped *u = NULL;
	size_t n = 0;
	bool ok;

	ok = ASSERT_OK(cons_unmapped_points(&old, &new, &u, &n), "compute") &&
	     ASSERT_EQ(n, 2, "two points") &&
	     ASSERT_STREQ(u[0].key, "read#1", "b.c's flush lost read#1") &&
	     ASSERT_STREQ(u[0].file, "v1/b.c", "in b.c") &&
	     ASSERT_STREQ(u[0].why, "no point with this key in the patch", "why") &&
	     ASSERT_STREQ(u[1].function, "gone", "a removed function") &&
	     ASSERT_STREQ(u[1].why, "the patch has no such function", "why");
	free(u);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Constraints that can never hold are found without a program too. */
static enum test_result eval_lint(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("forbid thread role worker_main in worker_main\n"
					 "forbid any in txn.c:100-200, log.c:1-50\n"
					 "require thread \"w\" in txn.c:110-130\n"
					 "require thread \"w\" in txn.c:110-130, rotate\n"
					 "forbid thread role main in f, main\n"
					 "forbid any in rotate at rename#1\n"
					 "require thread \"w\" in rotate\n");
	struct cons_diags w = { 0 };
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	ok = ASSERT_EQ(cons_lint(cf, NULL, &w), 3, "warnings") &&
	     ASSERT_EQ(w.v[0].loc.line, 1, "role's own routine") &&
	     ASSERT_EQ(w.v[0].loc.col, 35, "at the function") &&
	     ASSERT_EQ(w.v[1].loc.line, 3, "a range inside a forbidden range") &&
	     ASSERT_STRSTR(w.v[1].msg, "the forbid at 2:1", "names the forbid") &&
	     ASSERT_EQ(w.v[2].loc.line, 5, "main for the main role");
	/* line 4: rotate is allowed; line 7: only one point of rotate is forbidden */
	cons_diags_free(&w);
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/*
 * Type safety of a partial update: a frame left running old code must not
 * use a type the patch changes.
 */
static enum test_result type_safety(struct test_ctx *ctx)
{
	static const char *const conn[] = { "struct conn" };
	static const char *const logt[] = { "struct log" };
	static const struct cons_prog_func funcs[] = {
		{ "handle_request", "server.c", 60, 90, NULL, 0, conn, 1 },
		{ "read_request", "server.c", 50, 59, NULL, 0, conn, 1 },
		{ "log_append", "log.c", 30, 50, NULL, 0, logt, 1 },
		{ "worker_main", "server.c", 20, 40, NULL, 0, NULL, 0 },
	};
	static const struct cons_prog_type old_types[] = {
		{ "struct conn", "16;fd:int@0;state:int@32;buf:char *@64" },
		{ "struct log", "8;fd:int@0" },
		{ "struct gone", "4;x:int@0" },
	};
	static const struct cons_prog_type new_types[] = {
		{ "struct log", "8;fd:int@0" },
		{ "struct conn", "24;fd:int@0;state:int@32;buf:char *@64;len:long@128" },
	};
	struct cons_program old = { "v1", funcs, 4, old_types, 3 };
	struct cons_program new = { "v2", NULL, 0, new_types, 2 };
	struct cons_thread th[] = {
		WORKER(101, worker_idle),
		WORKER(102, worker_in_txn),
	};
	struct cons_snapshot s = { th, 2 };
	const int only_102[] = { 102 };
	struct cons_scope all = { 0 }, depth1 = { .depth = 1 }, depth2 = { .depth = 2 };
	struct cons_scope threads = { .tids = only_102, .ntids = 1 };
	const char **changed = NULL;
	struct cons_result r;
	size_t n = 0;
	bool ok;

	ok = ASSERT_OK(cons_changed_types(&old, &new, &changed, &n), "changed types") &&
	     ASSERT_EQ(n, 2, "conn and gone") && ASSERT_STREQ(changed[0], "struct conn", "conn") &&
	     ASSERT_STREQ(changed[1], "struct gone", "a type the patch removes");
	if (!ok)
		goto out;
	/* a whole update rebuilds every frame */
	ok = ASSERT_EQ(cons_type_check(&old, changed, n, &all, &s, &r), 1, "whole update") &&
	     ASSERT_EQ(r.n, 0, "nothing");
	cons_result_free(&r);
	/* worker 101: read_request (#1) and handle_request (#2) use struct conn */
	ok = ok && ASSERT_EQ(cons_type_check(&old, changed, n, &depth1, &s, &r), 0, "depth 1") &&
	     ASSERT_EQ(r.n, 3, "read_request and handle_request of 101, handle_request of 102") &&
	     ASSERT_EQ(r.v[0].w[0].tid, 101, "thread") && ASSERT_EQ(r.v[0].w[0].frame, 1, "frame") &&
	     ASSERT_TRUE(r.v[0].rule == NULL, "not a constraint of the file") &&
	     ASSERT_STREQ(r.v[0].reason, "type safety: thread 101 (worker, role worker_main), "
			  "frame #1 read_request (/srv/src/server.c:61) at recv#1: uses struct "
			  "conn, which the patch changes, and the update does not rebuild this "
			  "frame (--depth 1)", "reason") &&
	     ASSERT_EQ(r.v[2].w[0].tid, 102, "thread") && ASSERT_EQ(r.v[2].w[0].frame, 3, "frame");
	cons_result_free(&r);
	ok = ok && ASSERT_EQ(cons_type_check(&old, changed, n, &depth2, &s, &r), 0, "depth 2") &&
	     ASSERT_EQ(r.n, 2, "handle_request of both") &&
	     ASSERT_EQ(r.v[0].w[0].frame, 2, "101's") && ASSERT_EQ(r.v[1].w[0].frame, 3, "102's");
	cons_result_free(&r);
	ok = ok && ASSERT_EQ(cons_type_check(&old, changed, n, &threads, &s, &r), 0, "--threads") &&
	     ASSERT_EQ(r.n, 2, "only thread 101's frames") &&
	     ASSERT_TRUE(cons_violation_has_tid(&r.v[1], 101), "101") &&
	     ASSERT_STRSTR(r.v[1].reason, "(thread not in --threads)", "says why");
	cons_result_free(&r);
out:
	free(changed);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Paths in frames and in files: equal, or one a suffix of the other at '/'. */
static enum test_result eval_file_match(struct test_ctx *ctx)
{
	bool ok = ASSERT_TRUE(cons_file_matches("/srv/src/txn.c", "txn.c"), "suffix") &&
		  ASSERT_TRUE(cons_file_matches("txn.c", "src/txn.c"), "other way") &&
		  ASSERT_TRUE(cons_file_matches("src/txn.c", "src/txn.c"), "equal") &&
		  ASSERT_TRUE(!cons_file_matches("/srv/src/mytxn.c", "txn.c"), "not mid-name") &&
		  ASSERT_TRUE(!cons_file_matches("/a/txn.c", "b/txn.c"), "other directory") &&
		  ASSERT_TRUE(!cons_file_matches(NULL, "txn.c"), "unknown file");
	return ok ? TEST_PASS : TEST_FAIL;
}


/* ------------------------------------------------- registration of files */

static int is_cons_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && d->d_name[0] != '.' && !strcmp(d->d_name + n - 5, ".cons");
}

static void register_dir(const char *sub, enum test_result (*run)(struct test_ctx *))
{
	struct dirent **ents;
	char dir[4200];
	int n;

	snprintf(dir, sizeof(dir), "%s/selftests/constraints/%s", upstare_src_dir(), sub);
	n = scandir(dir, &ents, is_cons_file, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		struct test *t = calloc(1, sizeof(*t));
		char *name, *path;

		if (!t || asprintf(&name, "constraints/%s/%.*s", sub,
				   (int)strlen(ents[i]->d_name) - 5, ents[i]->d_name) < 0 ||
		    asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0)
			abort();
		t->name = name;
		t->run = run;
		t->data = path;
		test_register(t);
		free(ents[i]);
	}
	free(ents);
}

/*
 * cons_wait() with a fake clock and a scripted series of snapshots: what a
 * controller sees of a program over successive checks.
 */
struct script {
	const struct cons_snapshot *snaps;	/* NULL entry: not ready (-EAGAIN) */
	size_t n, next;
	int error;				/* returned once the script is over */
	uint64_t clock;
	uint64_t sleeps[16];
	unsigned nsleeps, releases;
	bool stopped;				/* threads stopped by the last snapshot */
};

static int script_snapshot(void *arg, struct cons_snapshot *snap)
{
	struct script *sc = arg;
	const struct cons_snapshot *s;

	if (sc->stopped)
		return -EBUSY;	/* the driver must release before it asks again */
	if (sc->next >= sc->n) {
		if (sc->error)
			return sc->error;
		s = &sc->snaps[sc->n - 1];	/* the program stays as it is */
	} else {
		s = &sc->snaps[sc->next++];
	}
	if (!s->threads)
		return -EAGAIN;
	*snap = *s;
	sc->stopped = true;
	return 0;
}

static void script_release(void *arg, struct cons_snapshot *snap)
{
	struct script *sc = arg;

	sc->stopped = false;
	sc->releases++;
}

static uint64_t script_now(void *arg)
{
	return ((struct script *)arg)->clock;
}

static void script_sleep(void *arg, uint64_t us)
{
	struct script *sc = arg;

	if (sc->nsleeps < 16)
		sc->sleeps[sc->nsleeps++] = us;
	sc->clock += us;
}

static const struct cons_driver script_driver = {
	.snapshot = script_snapshot, .release = script_release,
	.now_us = script_now, .sleep_us = script_sleep,
};

/* A worker in a transaction delays the update until it has left it. */
static enum test_result wait_until_safe(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("timeout 1s\nretry 10ms backoff 2 max 80ms\n"
					 "forbid any in txn.c:110-130\n");
	struct cons_thread in_txn[] = {
		SERVER(acceptor_waiting),
		WORKER(102, worker_in_txn),
	};
	struct cons_thread out_txn[] = {
		SERVER(acceptor_waiting),
		WORKER(102, worker_idle),
	};
	const struct cons_snapshot snaps[] = {
		{ in_txn, 2 }, { NULL, 0 }, { in_txn, 2 }, { out_txn, 2 },
	};
	struct script sc = { .snaps = snaps, .n = 4, .clock = 5000 };
	struct cons_driver drv = script_driver;
	struct cons_wait_stats st;
	struct cons_snapshot snap;
	struct cons_result r;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	drv.arg = &sc;
	ok = ASSERT_EQ(cons_wait(cf, &drv, 5000, &snap, &r, &st), 1, "the constraints hold") &&
	     ASSERT_EQ(r.n, 0, "no violation left") &&
	     ASSERT_TRUE(snap.threads == out_txn, "the snapshot where they hold") &&
	     ASSERT_TRUE(sc.stopped, "threads still stopped for the update") &&
	     ASSERT_EQ(st.checks, 3, "checks") && ASSERT_EQ(st.not_ready, 1, "not ready once") &&
	     ASSERT_EQ(sc.releases, 2, "released after each failed check") &&
	     ASSERT_EQ(sc.nsleeps, 3, "waits") && ASSERT_EQ(sc.sleeps[0], 10000, "first wait") &&
	     ASSERT_EQ(sc.sleeps[1], 20000, "backoff") && ASSERT_EQ(sc.sleeps[2], 40000, "backoff");
	cons_result_free(&r);
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* A constraint that never holds: abandoned at the deadline, with the reason. */
static enum test_result wait_deadline(struct test_ctx *ctx)
{
	struct cons_file *cf = parse_str("timeout 300ms\nretry 10ms backoff 2 max 80ms\n"
					 "require thread role worker_main in rotate\n");
	struct cons_thread th[] = {
		WORKER(101, worker_idle),
	};
	const struct cons_snapshot snaps[] = { { th, 1 } };
	static const uint64_t waits[] = { 10000, 20000, 40000, 80000, 80000 };
	struct script sc = { .snaps = snaps, .n = 1 };
	struct cons_driver drv = script_driver;
	struct cons_wait_stats st;
	struct cons_snapshot snap;
	struct cons_result r;
	bool ok;

	if (!ASSERT_TRUE(cf != NULL, "parse"))
		return TEST_FAIL;
	drv.arg = &sc;
	/* checks at 0, 10, 30, 70, 150 and 230 ms; the next would be at 310 */
	ok = ASSERT_EQ(cons_wait(cf, &drv, 0, &snap, &r, &st), 0, "abandoned") &&
	     ASSERT_EQ(st.checks, 6, "checks until the deadline") &&
	     ASSERT_EQ(sc.releases, 6, "threads released after every check") &&
	     ASSERT_TRUE(!sc.stopped, "left running") &&
	     ASSERT_EQ(sc.nsleeps, 5, "waits") && ASSERT_EQ(sc.clock, 230000, "last check") &&
	     ASSERT_EQ(r.n, 1, "the reason") &&
	     ASSERT_STREQ(r.v[0].reason, "test.cons:3:1: require thread role worker_main in "
			  "rotate: thread 101 (worker, role worker_main) is not in rotate "
			  "(innermost frame #0 recv)", "names constraint, thread and frame");
	for (unsigned i = 0; ok && i < 5; i++)
		ok = ASSERT_EQ(sc.sleeps[i], waits[i], "wait");
	cons_result_free(&r);

	/* an error from the controller ends the loop with that error */
	sc = (struct script){ .snaps = snaps, .n = 0, .error = -EPERM };
	ok = ok && ASSERT_EQ(cons_wait(cf, &drv, 0, &snap, &r, &st), -EPERM, "error") &&
	     ASSERT_EQ(r.n, 0, "no reasons");
	cons_result_free(&r);
	cons_free(cf);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Named "constraints/..." so that `runner constraints/` selects them all. */
static struct test cons_tests[] = {
	{ .name = "constraints/eval_transaction", .run = eval_transaction },
	{ .name = "constraints/eval_conjunction", .run = eval_conjunction },
	{ .name = "constraints/eval_require", .run = eval_require },
	{ .name = "constraints/eval_never", .run = eval_never },
	{ .name = "constraints/retry_schedule", .run = retry_schedule },
	{ .name = "constraints/eval_automatic", .run = eval_automatic },
	{ .name = "constraints/eval_file_match", .run = eval_file_match },
	{ .name = "constraints/eval_unmapped", .run = eval_unmapped },
	{ .name = "constraints/eval_lint", .run = eval_lint },
	{ .name = "constraints/type_safety", .run = type_safety },
	{ .name = "constraints/wait_until_safe", .run = wait_until_safe },
	{ .name = "constraints/wait_deadline", .run = wait_deadline },
};

__attribute__((constructor)) static void register_constraint_tests(void)
{
	for (size_t i = 0; i < sizeof(cons_tests) / sizeof(cons_tests[0]); i++)
		test_register(&cons_tests[i]);
	register_dir("bad", run_bad);
	register_dir("good", run_good);
}

/* ------------------------------------------- check-constraints on a program */

static const char srv_c[] =
	"#include <stdio.h>\n"				/* 1 */
	"#include <unistd.h>\n"
	"\n"
	"static int handled;\n"
	"\n"						/* 5 */
	"static int handle(int fd)\n"
	"{\n"
	"\tchar buf[16];\n"
	"\tint n = snprintf(buf, sizeof(buf), \"%d\", fd);\n"
	"\tfor (int k = 0; k < n; k++) handled++;\n"	/* 10: a loop: not quiet */
	"\treturn n;\n"
	"}\n"
	"\n"
	"static void serve(int rounds)\n"
	"{\n"						/* 15 */
	"\tfor (int i = 0; i < rounds; i++) {\n"
	"\t\thandle(i);\n"
	"\t\tusleep(1000);\n"
	"\t}\n"
	"}\n"						/* 20 */
	"\n"
	"int main(int argc, char **argv)\n"
	"{\n"
	"\tserve(argc > 1 ? 1000000 : 1);\n"
	"\tprintf(\"%d\\n\", handled);\n"		/* 25 */
	"\treturn 0;\n"
	"}\n"
	"\n"
	"struct stats { int served; };\n"
	"struct stats stats;\n"			/* 30 */
	"\n"
	"int stats_served(struct stats *s)\n"
	"{\n"
	"\treturn s->served;\n"
	"}\n";

static const char good_cons[] =
	"timeout 1s\n"
	"forbid any in handle\n"
	"forbid any in srv.c:6-12\n"
	"forbid any in serve at handle#1, loop#1\n"
	"forbid any in handle#1, handle, srv.c:14-20\n"
	"require thread role main in serve\n"
	"forbid { any in handle ; any in serve at entry }\n";

static const char bad_cons[] =
	"forbid any in handel\n"
	"forbid any in srv.c:13\n"
	"forbid any in srv.c:1-5\n"
	"forbid any in serve at recv#1\n"
	"forbid any in recv#1\n"
	"forbid any in other.c:1-100\n"
	"require thread role worker in handle\n"
	"forbid any in handle, srv.c:21-23\n";

static bool build_srv(struct test_ctx *ctx)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/srv.c", ctx->tmpdir);
	return ASSERT_OK(write_file(path, srv_c, sizeof(srv_c) - 1), "write srv.c") &&
	       sh_ok(120, "build srv", "cd '%s' && '%s' -O2 -o srv srv.c", ctx->tmpdir,
		     upstare_cc());
}

static bool write_cons(struct test_ctx *ctx, const char *name, const char *text)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", ctx->tmpdir, name);
	return ASSERT_OK(write_file(path, text, strlen(text)), name);
}

static enum test_result check_binary(struct test_ctx *ctx)
{
	const char *ctl = upstare_build_dir();
	struct cmd_result r;
	bool ok;

	if (!build_srv(ctx) || !write_cons(ctx, "good.cons", good_cons) ||
	    !write_cons(ctx, "bad.cons", bad_cons) ||
	    !write_cons(ctx, "syntax.cons", "forbid handle\ntimeout 1\n"))
		return TEST_FAIL;

	if (!ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "good.cons --binary srv", ctx->tmpdir, ctl), "run"))
		return TEST_FAIL;
	ok = ASSERT_EQ(r.status, 0, "valid file: exit status") &&
	     ASSERT_STREQ(r.out, "good.cons: 6 constraints, valid for srv\n", "valid file") &&
	     ASSERT_STREQ(r.err, "", "no diagnostics");
	if (!ok)
		test_log("stderr:\n%s", r.err);
	cmd_result_free(&r);
	if (!ok)
		return TEST_FAIL;

	if (!ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "bad.cons --binary srv", ctx->tmpdir, ctl), "run"))
		return TEST_FAIL;
	test_log("stderr:\n%s", r.err);
	ok = ASSERT_EQ(r.status, 1, "invalid names: exit status") &&
	     ASSERT_STREQ(r.out, "", "nothing on stdout") &&
	     ASSERT_STRSTR(r.err, "bad.cons:1:15: unknown function 'handel' in srv (did you mean "
			   "'handle'?)\n", "unknown function") &&
	     ASSERT_STRSTR(r.err, "bad.cons:2:21: line 13 of 'srv.c' is outside every "
			   "function\n", "line between functions") &&
	     ASSERT_STRSTR(r.err, "bad.cons:3:21: lines 1-5 of 'srv.c' are outside every "
			   "function\n", "lines before the first function") &&
	     ASSERT_STRSTR(r.err, "bad.cons:4:24: function 'serve' has no continuation point "
			   "'recv#1' (it has: entry, loop#1, handle#1", "unknown key in a function") &&
	     ASSERT_STRSTR(r.err, "bad.cons:5:15: no function of srv has a continuation point "
			   "'recv#1'\n", "unknown key") &&
	     ASSERT_STRSTR(r.err, "bad.cons:6:15: no function of srv is in a file 'other.c'\n",
			   "unknown file") &&
	     ASSERT_STRSTR(r.err, "bad.cons:7:21: unknown start routine (role) 'worker' in "
			   "srv\n", "unknown role") &&
	     ASSERT_STRSTR(r.err, "bad.cons: 7 errors against srv\n", "count: line 8 is valid");
	cmd_result_free(&r);
	if (!ok)
		return TEST_FAIL;

	/* syntax errors: every one, and the program is not even read */
	if (!ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "syntax.cons --binary does-not-exist", ctx->tmpdir, ctl), "run"))
		return TEST_FAIL;
	ok = ASSERT_EQ(r.status, 1, "syntax errors: exit status") &&
	     ASSERT_STREQ(r.err, "syntax.cons:1:8: expected 'any' or 'thread', found 'handle'\n"
			  "syntax.cons:2:9: duration '1' needs a unit (us, ms, s or m)\n",
			  "syntax errors");
	cmd_result_free(&r);

	/* the same for scripts */
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "good.cons --binary srv --json", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 0, "--json valid: exit status") &&
	     ASSERT_STREQ(r.out, "{\"file\":\"good.cons\",\"program\":\"srv\",\"valid\":true,"
			  "\"constraints\":6,\"errors\":[],\"warnings\":[]}\n", "--json valid");
	cmd_result_free(&r);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "bad.cons --binary srv --json", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 1, "--json invalid: exit status") &&
	     ASSERT_STRSTR(r.out, "{\"file\":\"bad.cons\",\"program\":\"srv\",\"valid\":false,"
			   "\"errors\":[{\"line\":1,\"col\":15,\"message\":\"unknown function "
			   "'handel' in srv (did you mean 'handle'?)\"},{\"line\":2,", "--json errors") &&
	     ASSERT_STREQ(r.err, "", "--json: nothing on stderr");
	cmd_result_free(&r);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "missing.cons --binary srv", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 1, "missing file: exit status") &&
	     ASSERT_STREQ(r.err, "missing.cons: cannot open: No such file or directory\n",
			  "missing file");
	cmd_result_free(&r);

	/* valid, but some constraints can never hold: warnings, exit 0 */
	ok = ok && write_cons(ctx, "never.cons", "forbid any in main\n"
			      "require thread \"srv\" in serve at handle#1\n"
			      "forbid any in serve\n"
			      "forbid { any in main ; any in handle }\n") &&
	     ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "never.cons --binary srv", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 0, "never-holding: exit status") &&
	     ASSERT_STREQ(r.err, "never.cons:1:15: warning: this forbid can never hold: the "
			  "initial thread of every process is inside main\n"
			  "never.cons:2:1: warning: this require can never hold: the forbid at 3:1 "
			  "excludes its whole region for every thread\n", "never-holding warnings");
	cmd_result_free(&r);

	/* a program not built with upstare-cc */
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "good.cons --binary /bin/true", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 1, "plain binary: exit status") &&
	     ASSERT_STRSTR(r.err, "/bin/true: no .upstare section", "plain binary");
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* --pid reads the running program's binary and its thread names, nothing else. */
static enum test_result check_pid(struct test_ctx *ctx)
{
	const char *ctl = upstare_build_dir();
	char exe[512];
	struct cmd_result r;
	int status;
	pid_t pid;
	bool ok;

	if (!build_srv(ctx) || !write_cons(ctx, "good.cons", good_cons) ||
	    !write_cons(ctx, "names.cons", "forbid thread \"nosuch\" in handle\n"
			"forbid thread \"srv\" in serve\nforbid thread tid 1 in serve\n"))
		return TEST_FAIL;
	snprintf(exe, sizeof(exe), "%s/srv", ctx->tmpdir);
	pid = fork();
	if (pid == 0) {
		execl(exe, exe, "loop", (char *)NULL);
		_exit(127);
	}
	if (!ASSERT_TRUE(pid > 0, "start srv"))
		return TEST_FAIL;
	/* running from the other directory: the binary comes from /proc/PID/exe */
	ok = ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "good.cons --pid %d", ctx->tmpdir, ctl, (int)pid), "run") &&
	     ASSERT_EQ(r.status, 0, "valid file: exit status") &&
	     ASSERT_STRSTR(r.out, "good.cons: 6 constraints, valid for ", "valid") &&
	     ASSERT_STRSTR(r.out, "/srv\n", "names the running binary");
	if (!ok)
		test_log("stderr:\n%s", r.err);
	cmd_result_free(&r);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "names.cons --pid %d", ctx->tmpdir, ctl, (int)pid), "run") &&
	     ASSERT_EQ(r.status, 0, "thread names are warnings: exit status");
	if (ok) {
		char want[256];

		snprintf(want, sizeof(want), "names.cons:1:15: warning: no thread of process %d "
			 "is named \"nosuch\" now\n", (int)pid);
		ok = ASSERT_STRSTR(r.err, want, "unknown comm") &&
		     ASSERT_TRUE(!strstr(r.err, "names.cons:2:"), "srv is a thread name");
		snprintf(want, sizeof(want), "names.cons:3:19: warning: process %d has no thread "
			 "1 now\n", (int)pid);
		ok = ASSERT_STRSTR(r.err, want, "unknown tid") && ok;
	}
	cmd_result_free(&r);
	ok = ok && ASSERT_EQ(waitpid(pid, &status, WNOHANG), 0, "srv still running");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "good.cons --pid %d", ctx->tmpdir, ctl, (int)pid), "run") &&
	     ASSERT_EQ(r.status, 1, "no such process: exit status") &&
	     ASSERT_STRSTR(r.err, "cannot read /proc/", "no such process");
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* Replace the first FROM in BUF (with room to grow) by TO. */
static bool replace_in(char *buf, const char *from, const char *to)
{
	char *p = strstr(buf, from);
	size_t lf = strlen(from), lt = strlen(to);

	if (!p)
		return false;
	memmove(p + lt, p + lf, strlen(p + lf) + 1);
	memcpy(p, to, lt);
	return true;
}

/* --patch: the points of v1 that v2 cannot map become automatic constraints. */
static enum test_result check_patch(struct test_ctx *ctx)
{
	const char *ctl = upstare_build_dir();
	char path[512], v2[sizeof(srv_c) + 64];
	struct cmd_result r;
	bool ok;

	/* v2 renames handle(), drops the usleep() call and changes struct stats */
	memcpy(v2, srv_c, sizeof(srv_c));
	while (replace_in(v2, "handle(", "handle_req("))
		;
	replace_in(v2, "\t\tusleep(1000);\n", "");
	replace_in(v2, "int served;", "long served;");
	snprintf(path, sizeof(path), "%s/v2", ctx->tmpdir);
	ok = ASSERT_OK(mkdir(path, 0755), "mkdir v2");
	snprintf(path, sizeof(path), "%s/v2/srv.c", ctx->tmpdir);
	ok = ok && ASSERT_OK(write_file(path, v2, strlen(v2)), "write v2/srv.c");
	if (!ok || !build_srv(ctx) || !write_cons(ctx, "a.cons", "forbid any in handle\n") ||
	    !sh_ok(120, "build v2", "cd '%s/v2' && '%s' -O2 -o srv srv.c", ctx->tmpdir,
		   upstare_cc()))
		return TEST_FAIL;
	if (!ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "a.cons --binary srv --patch v2/srv --explain", ctx->tmpdir, ctl),
		       "run"))
		return TEST_FAIL;
	ok = ASSERT_EQ(r.status, 0, "exit status") &&
	     ASSERT_STREQ(r.out,
		"timeout 2s (default)\n"
		"retry 10ms backoff 2 max 500ms (default)\n"
		"forbid any in handle\n"
		"    from a.cons:1:1\n"
		"forbid any in handle at entry\n"
		"    automatic: srv.c:6: continuation point handle at entry: the patch has no "
		"such function\n"
		"forbid any in handle at loop#1\n"
		"    automatic: srv.c:10: continuation point handle at loop#1: the patch has no "
		"such function\n"
		"forbid any in serve at handle#1\n"
		"    automatic: srv.c:17: continuation point serve at handle#1: no point with "
		"this key in the patch\n"
		"forbid any in serve at usleep#1\n"
		"    automatic: srv.c:18: continuation point serve at usleep#1: no point with "
		"this key in the patch\n"
		"types the patch changes:\n"
		"    struct stats (used by stats_served)\n"
		"a.cons: 1 constraint, valid for srv; 4 automatic from v2/srv\n", "--explain");
	if (!ok)
		test_log("stderr:\n%s", r.err);
	cmd_result_free(&r);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "a.cons --binary srv --patch v2/srv --json", ctx->tmpdir, ctl),
			     "run") &&
	     ASSERT_STRSTR(r.out, "\"patch\":\"v2/srv\",\"automatic\":[{\"function\":\"handle\","
			   "\"key\":\"entry\",\"file\":\"srv.c\",\"line\":6,\"why\":\"the patch has "
			   "no such function\"},{\"function\":\"handle\",\"key\":\"loop#1\"", "--json") &&
	     ASSERT_STRSTR(r.out, "\"changed_types\":[{\"type\":\"struct stats\",\"used_by\":"
			   "[\"stats_served\"]}]}\n", "--json types");
	cmd_result_free(&r);
	/* the same version: nothing to forbid */
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "a.cons --binary srv --patch srv --explain", ctx->tmpdir, ctl),
			     "run") &&
	     ASSERT_STRSTR(r.out, "types the patch changes: none\n"
			   "a.cons: 1 constraint, valid for srv; 0 automatic from srv\n",
			   "same version");
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* ---------------------------------------------------------------- fuzzing */

static enum test_result run_fuzz(struct test_ctx *ctx, int seconds)
{
	const char *src = upstare_src_dir();
	struct cmd_result r;
	bool ok;

	/* seed a private corpus with every case file: the fuzzer adds to it */
	if (!sh_ok(60, "seed corpus", "mkdir -p '%s/corpus' && cp '%s'/selftests/constraints/"
		   "good/*.cons '%s'/selftests/constraints/bad/*.cons '%s/corpus/'", ctx->tmpdir,
		   src, src, ctx->tmpdir))
		return TEST_FAIL;
	if (!ASSERT_OK(run_cmd(&r, seconds + 120, "cd '%s' && '%s/fuzz/cons-fuzz' "
			       "-max_total_time=%d -timeout=10 -rss_limit_mb=2048 -max_len=4096 "
			       "-dict='%s/selftests/fuzz/cons.dict' -print_final_stats=1 corpus",
			       ctx->tmpdir, upstare_build_dir(), seconds, src), "run the fuzzer"))
		return TEST_FAIL;
	ok = ASSERT_EQ(r.status, 0, "fuzzer exit status") &&
	     ASSERT_TRUE(!r.timed_out, "fuzzer ended") &&
	     ASSERT_STRSTR(r.err, "stat::number_of_executed_units:", "fuzzer ran");
	if (!ok) {
		size_t n = r.err_len > 6000 ? 6000 : r.err_len;

		test_log("fuzzer output (end):\n%s", r.err + r.err_len - n);
	} else {
		char *st = strstr(r.err, "stat::number_of_executed_units:");

		test_log("%.*s", (int)strcspn(st, "\n"), st);
	}
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

static enum test_result fuzz_short(struct test_ctx *ctx)
{
	return run_fuzz(ctx, 10);
}

static enum test_result fuzz_long(struct test_ctx *ctx)
{
	return run_fuzz(ctx, 60);
}

static struct test cons_prog_tests[] = {
	{ .name = "constraints/check_binary", .run = check_binary },
	{ .name = "constraints/check_pid", .run = check_pid },
	{ .name = "constraints/check_patch", .run = check_patch },
	{ .name = "constraints/fuzz", .run = fuzz_short },
	{ .name = "constraints/fuzz_long", .run = fuzz_long, .long_only = true },
};

__attribute__((constructor)) static void register_constraint_prog_tests(void)
{
	for (size_t i = 0; i < sizeof(cons_prog_tests) / sizeof(cons_prog_tests[0]); i++)
		test_register(&cons_prog_tests[i]);
}

/*
 * The worked example of Documentation/constraints.rst, checked against the
 * real vsftpd: its four source files that the example names are built with
 * upstare-cc and linked into one relocatable object, whose .upstare section
 * holds their metadata, as the whole server's would.
 */
static enum test_result vsftpd_example(struct test_ctx *ctx)
{
	static const char *const units[] = { "postlogin", "ftpdataio", "twoprocess",
					     "postprivparent" };
	const char *ctl = upstare_build_dir();
	enum test_result res;
	struct cmd_result r;
	char *src = NULL;
	bool ok;

	res = fetch_src("vsftpd", "trixie", &src);
	if (res != TEST_PASS)
		return res;
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!sh_ok(600, "build a vsftpd unit", "cd '%s' && '%s' -O2 -c -o '%s/%s.o' %s.c",
			   src, upstare_cc(), ctx->tmpdir, units[i], units[i])) {
			free(src);
			return TEST_FAIL;
		}
	free(src);
	if (!sh_ok(60, "link", "cd '%s' && ld -r -o vsftpd-part.o postlogin.o ftpdataio.o "
		   "twoprocess.o postprivparent.o && sed 's/vsf_sysutil_sendfile#1/"
		   "vsf_sysutil_sendfile#2/; s/postlogin.c:1041-1148/postlogin.c:648/' "
		   "'%s/Documentation/examples/vsftpd-transfer.cons' > wrong.cons", ctx->tmpdir,
		   upstare_src_dir()))
		return TEST_FAIL;
	ok = ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
			       "'%s/Documentation/examples/vsftpd-transfer.cons' --binary "
			       "vsftpd-part.o", ctx->tmpdir, ctl, upstare_src_dir()), "run") &&
	     ASSERT_EQ(r.status, 0, "the example is valid: exit status") &&
	     ASSERT_STRSTR(r.out, "vsftpd-transfer.cons: 4 constraints, valid for vsftpd-part.o",
			   "the example is valid");
	if (!ok)
		test_log("stderr:\n%s", r.err);
	cmd_result_free(&r);
	ok = ok && ASSERT_OK(run_cmd(&r, 60, "cd '%s' && '%s/bin/upstarectl' check-constraints "
				     "wrong.cons --binary vsftpd-part.o", ctx->tmpdir, ctl), "run") &&
	     ASSERT_EQ(r.status, 1, "a wrong key and a line between functions") &&
	     ASSERT_STRSTR(r.err, "wrong.cons:13:27: line 648 of 'postlogin.c' is outside every "
			   "function\n", "line between handle_pasv and handle_retr") &&
	     ASSERT_STRSTR(r.err, "wrong.cons:16:40: function 'do_file_send_sendfile' has no "
			   "continuation point 'vsf_sysutil_sendfile#2'", "second sendfile call");
	if (r.err)
		test_log("stderr:\n%s", r.err);
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

static struct test vsftpd_example_test = {
	.name = "constraints/vsftpd_example", .run = vsftpd_example,
};

__attribute__((constructor)) static void register_vsftpd_example(void)
{
	test_register(&vsftpd_example_test);
}
