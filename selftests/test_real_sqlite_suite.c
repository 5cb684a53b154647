// SPDX-License-Identifier: GPL-2.0
/*
 * real/sqlite_suite (check-long): SQLite 3.40.1's own test suite on its
 * upstare-cc build.
 *
 * testfixture (a Tcl interpreter with SQLite, its test-control interfaces
 * and some thirty extensions, 93 C files and the amalgamation) is built by
 * the source tree's own configure and make, once with clang and once with
 * CC=upstare-cc, and each runs test/veryquick.test, about 255,000 tests
 * (the suite refuses to run as root: it runs as nobody).  The
 * instrumented build must fail no test that the plain one passes, and run
 * as many tests.  Then the instrumented one runs it again with
 * UPSTARE_SELFTEST_UNWIND (every UNWIND_EVERY-th update point unwinds the
 * whole stack and rebuilds it; Tcl's frames and the test commands it
 * calls back are not rebuilt, so a thread parks only outside them), with
 * the same requirement, and its processes must report rebuilds (into a
 * file: the suite's tests compare their child processes' stderr).
 *
 * The suite's own expectations are the reference; the plain build is run
 * to tell apart what this machine fails anyway (io-5.5 expects the
 * sector size of another file system).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define BUILD_TIMEOUT	1200
#define RUN_TIMEOUT	1800
#define UNWIND_EVERY	"97"

struct suite_run {
	long errors, tests;
	char *failures;		/* " name name ... " */
};

/* "N errors out of M tests" and "!Failures on these tests: ..." of a run. */
static bool parse_run(const char *out, struct suite_run *s, const char *what)
{
	const char *p = out ? strstr(out, " errors out of ") : NULL, *f;

	memset(s, 0, sizeof(*s));
	if (!p) {
		test_log("%s: the end of its output:\n%s", what,
			 out && strlen(out) > 3000 ? out + strlen(out) - 3000 : out ? out : "");
		return test_fail_at(__FILE__, __LINE__, "%s: no summary line (it did not finish)",
				    what);
	}
	while (p > out && p[-1] != '\n')
		p--;
	if (sscanf(p, "%ld errors out of %ld tests", &s->errors, &s->tests) != 2)
		return test_fail_at(__FILE__, __LINE__, "%s: cannot read %.60s", what, p);
	f = strstr(p, "!Failures on these tests:");
	if (f) {
		f += strlen("!Failures on these tests:");
		if (asprintf(&s->failures, "%.*s ", (int)strcspn(f, "\n"), f) < 0)
			s->failures = NULL;
	} else {
		s->failures = strdup(" ");
	}
	test_log("%s: %ld errors out of %ld tests; failures:%s", what, s->errors, s->tests,
		 s->failures ? s->failures : "?");
	return s->failures != NULL;
}

/* Every failure of run is one of the reference's too, and as many tests ran. */
static bool no_new_failure(const struct suite_run *ref, const struct suite_run *run,
			   const char *what)
{
	char *names = strdup(run->failures), *save = NULL;
	bool ok = names != NULL;

	for (char *t = names ? strtok_r(names, " ", &save) : NULL; t && ok;
	     t = strtok_r(NULL, " ", &save)) {
		char key[256];

		snprintf(key, sizeof(key), " %s ", t);
		if (!strstr(ref->failures, key))
			ok = test_fail_at(__FILE__, __LINE__, "%s: %s fails, and passes in the "
					  "plain build", what, t);
	}
	free(names);
	return ok && ASSERT_TRUE(run->tests >= ref->tests * 99 / 100,
				 "as many tests ran as in the plain build");
}

static bool run_suite(const char *dir, const char *env, struct suite_run *s, const char *what)
{
	struct cmd_result r = { 0 };
	bool ok;

	ok = !run_cmd(&r, RUN_TIMEOUT, "cd '%s' && setpriv --reuid=nobody --regid=nogroup "
		      "--clear-groups env HOME='%s' %s ./testfixture test/veryquick.test 2>&1",
		      dir, dir, env) &&
	     ASSERT_TRUE(!r.timed_out, what) && parse_run(r.out, s, what);
	cmd_result_free(&r);
	return ok;
}

static enum test_result real_sqlite_suite(struct test_ctx *ctx)
{
	const char *cc[2] = { plain_cc(), upstare_cc() }, *name[2] = { "plain", "instr" };
	struct suite_run runs[3] = { { 0 } };
	enum test_result res;
	char *src = NULL, *reports = NULL, dir[2][512], report[600], unwind_env[700];
	unsigned long n;
	unsigned nreports;

	if (!is_root())
		return test_skip("needs root: the suite runs as nobody, which only root can become");
	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	if (access("/usr/lib/tcl8.6/tclConfig.sh", R_OK))
		return test_skip("tcl-dev is not installed: testfixture links with Tcl");
	res = fetch_src("sqlite3", "bookworm", &src);
	if (res != TEST_PASS)
		return res;
	res = TEST_FAIL;
	/* nobody must reach the builds, and write its test databases in them */
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0755), "chmod tmpdir"))
		goto out;
	for (int v = 0; v < 2; v++) {
		char what[128];

		snprintf(dir[v], sizeof(dir[v]), "%s/%s", ctx->tmpdir, name[v]);
		snprintf(what, sizeof(what), "testfixture, %s build (configure, make)", name[v]);
		if (!sh_ok(BUILD_TIMEOUT, what,
			   "cp -a '%1$s' '%2$s' && cd '%2$s' && ./configure CC='%3$s' "
			   "--with-tcl=/usr/lib/tcl8.6 >configure.log 2>&1 && "
			   "make -j2 testfixture >make.log 2>&1 || { tail -n 30 make.log >&2; exit 1; }; "
			   "chown -R nobody:nogroup '%2$s'", src, dir[v], cc[v]))
			goto out;
	}
	/* the rebuild counts to a file: the suite compares its children's stderr */
	snprintf(report, sizeof(report), "%s/rebuilds.txt", dir[1]);
	snprintf(unwind_env, sizeof(unwind_env),
		 "UPSTARE_SELFTEST_UNWIND=" UNWIND_EVERY " UPSTARE_SELFTEST_REPORT='%s'", report);
	if (!run_suite(dir[0], "", &runs[0], "plain veryquick.test") ||
	    !ASSERT_TRUE(runs[0].tests > 100000, "the plain build ran the suite") ||
	    !run_suite(dir[1], "", &runs[1], "instrumented veryquick.test") ||
	    !no_new_failure(&runs[0], &runs[1], "instrumented") ||
	    !run_suite(dir[1], unwind_env, &runs[2],
		       "instrumented veryquick.test, UPSTARE_SELFTEST_UNWIND=" UNWIND_EVERY) ||
	    !no_new_failure(&runs[0], &runs[2], "instrumented, rebuilding stacks"))
		goto out;
	/* every process's count, appended at its exit (the tests' children too) */
	reports = read_file(report, NULL);
	n = selftest_rebuilds(reports, &nreports);
	test_log("UPSTARE_SELFTEST_UNWIND=%s: %u processes reported %lu stack rebuilds",
		 UNWIND_EVERY, nreports, n);
	if (!ASSERT_TRUE(n >= 50000, "the suite rebuilt stacks"))
		goto out;
	res = TEST_PASS;
out:
	for (int i = 0; i < 3; i++)
		free(runs[i].failures);
	free(reports);
	free(src);
	return res;
}

static struct test real_sqlite_suite_test = {
	.name = "real/sqlite_suite", .long_only = true, .timeout_s = 5400,
	.run = real_sqlite_suite,
};

__attribute__((constructor)) static void real_sqlite_suite_register(void)
{
	test_register(&real_sqlite_suite_test);
}
