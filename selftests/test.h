/* SPDX-License-Identifier: GPL-2.0 */
/*
 * UpStare selftest framework.
 *
 * One file per test case.  A case registers itself with UPSTARE_TEST() (a
 * constructor), or the runner registers data-driven cases it discovers (see
 * runner.c).  Each case has optional setup and cleanup and a run function
 * that returns TEST_PASS, TEST_SKIP (after test_skip() gave the reason) or
 * TEST_FAIL.  Assertion macros take a name and return a bool, so a test
 * reads:  if (!ASSERT_OK(err, "load patch")) goto cleanup;
 */
#ifndef UPSTARE_SELFTEST_H
#define UPSTARE_SELFTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>
#include <sys/types.h>

enum test_result { TEST_PASS, TEST_SKIP, TEST_FAIL };

struct test_ctx {
	const char *name;
	char tmpdir[256];	/* private scratch directory, removed after cleanup */
	void *priv;		/* for setup/run/cleanup to share state */
	const void *data;	/* data-driven cases: their argument */
};

struct test {
	const char *name;
	bool long_only;		/* only with --long (make check-long) */
	bool bench_only;	/* only with --bench (make bench): measures, never timed tests */
	int timeout_s;		/* 0, or more than the runner's -T for this case */
	int (*setup)(struct test_ctx *ctx);	/* 0 or -errno; failure = FAIL */
	enum test_result (*run)(struct test_ctx *ctx);
	void (*cleanup)(struct test_ctx *ctx);
	const void *data;
	struct test *next;
};

void test_register(struct test *t);

#define UPSTARE_TEST_FULL(_name, _long, _setup, _run, _cleanup)		\
	static struct test __test_##_name = {				\
		.name = #_name, .long_only = _long, .setup = _setup,	\
		.run = _run, .cleanup = _cleanup,			\
	};								\
	__attribute__((constructor)) static void __reg_##_name(void)	\
	{ test_register(&__test_##_name); }

#define UPSTARE_TEST(_name, _run) UPSTARE_TEST_FULL(_name, false, NULL, _run, NULL)
#define UPSTARE_TEST_LONG(_name, _run) UPSTARE_TEST_FULL(_name, true, NULL, _run, NULL)

/*
 * Case "GROUP/ID" (update/, observe/, real/): a group that `runner GROUP/`
 * selects, like csmith/quick, under a name UPSTARE_TEST() cannot give (a C
 * identifier holds no slash).
 */
#define UPSTARE_GROUP_TEST(_group, _id, _run)				\
	static struct test __test_##_id = {				\
		.name = _group "/" #_id, .run = _run,			\
	};								\
	__attribute__((constructor)) static void __reg_##_id(void)	\
	{ test_register(&__test_##_id); }

/* A benchmark, "bench/ID": run by make bench (runner --bench) only. */
#define UPSTARE_BENCH_TEST(_id, _run)					\
	static struct test __test_##_id = {				\
		.name = "bench/" #_id, .bench_only = true, .timeout_s = 1800, \
		.run = _run,						\
	};								\
	__attribute__((constructor)) static void __reg_##_id(void)	\
	{ test_register(&__test_##_id); }

/* The real-program tests: "real/ID". */
#define REAL_TEST(_id, _run) UPSTARE_GROUP_TEST("real", _id, _run)

/* Reporting.  test_log() lines are shown for failing tests and with -v. */
void test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
enum test_result test_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool test_fail_at(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define ASSERT_TRUE(cond, name) \
	((cond) ? true : test_fail_at(__FILE__, __LINE__, "%s: expected true: %s", name, #cond))
#define ASSERT_OK(err, name) ({							\
	long long __e = (long long)(err);					\
	__e == 0 ? true : test_fail_at(__FILE__, __LINE__, "%s: unexpected error %lld", name, __e); })
#define ASSERT_EQ(a, b, name) ({						\
	long long __a = (long long)(a), __b = (long long)(b);			\
	__a == __b ? true : test_fail_at(__FILE__, __LINE__, "%s: %lld != %lld", name, __a, __b); })
#define ASSERT_NEQ(a, b, name) ({						\
	long long __a = (long long)(a), __b = (long long)(b);			\
	__a != __b ? true : test_fail_at(__FILE__, __LINE__, "%s: both %lld", name, __a); })
#define ASSERT_STREQ(a, b, name) ({						\
	const char *__a = (a), *__b = (b);					\
	(__a && __b && !strcmp(__a, __b)) ? true :				\
	test_fail_at(__FILE__, __LINE__, "%s: \"%s\" != \"%s\"", name,		\
		     __a ? __a : "(null)", __b ? __b : "(null)"); })
#define ASSERT_STRSTR(hay, needle, name) ({					\
	const char *__h = (hay), *__n = (needle);				\
	(__h && strstr(__h, __n)) ? true :					\
	test_fail_at(__FILE__, __LINE__, "%s: \"%s\" not found in output:\n%s", name, __n, \
		     __h ? __h : "(null)"); })

/* Helpers for tests that drive programs. */
struct cmd_result {
	int status;		/* exit code, or 128+signal, or -1 if it could not run */
	bool timed_out;
	char *out;		/* stdout, NUL-terminated (malloc'd) */
	size_t out_len;
	char *err;		/* stderr, NUL-terminated (malloc'd) */
	size_t err_len;
};

/*
 * Run "sh -c CMD" with a time limit in seconds, capturing stdout and stderr.
 * The command runs in the caller's working directory (run_cmd does not
 * chdir: a test that wants its tmpdir says "cd DIR && ..." in CMD).
 * Returns 0, or -errno if it could not be started.  res->status says how
 * it ended.
 */
int run_cmd(struct cmd_result *res, int timeout_s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void cmd_result_free(struct cmd_result *res);

/* Paths of the build under test (from the environment set by `make check`). */
const char *upstare_build_dir(void);	/* $UPSTARE_BUILD, absolute */
const char *upstare_cc(void);		/* $UPSTARE_BUILD/bin/upstare-cc */
const char *upstare_src_dir(void);	/* $UPSTARE_SRC: the source tree */
const char *plain_cc(void);		/* clang-19 */

/* Run a shell command; on failure log what failed with the end of its stderr. */
bool sh_ok(int timeout_s, const char *what, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fetch a Debian source package (fetch-src.sh); SKIP with its reason if unavailable. */
enum test_result fetch_src(const char *pkg, const char *suite, char **dir);

/*
 * The stack rebuilds that processes run with UPSTARE_SELFTEST_REPORT
 * reported in output s ("upstare: N stack rebuilds", one line each at
 * exit), summed, and how many reported (*nreports).
 */
unsigned long selftest_rebuilds(const char *s, unsigned *nreports);

int write_file(const char *path, const char *data, size_t len);
char *read_file(const char *path, size_t *len);	/* malloc'd, NUL-terminated */
bool is_root(void);
/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
int loopback_free_port(void);
/* A socket connected to 127.0.0.1:PORT with send and receive time-outs, or -errno. */
int loopback_connect(int port, int timeout_s);
/* Does a mapping of process pid name the file path (/proc/PID/maps)? */
bool maps_have(pid_t pid, const char *path);

#endif
