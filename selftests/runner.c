// SPDX-License-Identifier: GPL-2.0
/*
 * UpStare selftest runner.
 *
 * Every registered case runs in a forked child, so a crash or a hang in one
 * case is reported as that case's failure and the rest still run.  The
 * runner ends with the line "N passed, N failed, N skipped".
 *
 *   runner [-v] [-l] [--long] [-j N] [-T SECONDS] [FILTER...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static struct test *tests, **tests_tail = &tests;
static int log_fd = 2;
static char skip_reason[512];

void test_register(struct test *t)
{
	t->next = NULL;
	*tests_tail = t;
	tests_tail = &t->next;
}

void test_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdprintf(log_fd, fmt, ap);
	va_end(ap);
	dprintf(log_fd, "\n");
}

enum test_result test_skip(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(skip_reason, sizeof(skip_reason), fmt, ap);
	va_end(ap);
	return TEST_SKIP;
}

bool test_fail_at(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	dprintf(log_fd, "%s:%d: ", file, line);
	va_start(ap, fmt);
	vdprintf(log_fd, fmt, ap);
	va_end(ap);
	dprintf(log_fd, "\n");
	return false;
}

static int rm_rf(const char *dir)
{
	struct cmd_result r;
	int err;

	err = run_cmd(&r, 60, "rm -rf '%s'", dir);
	cmd_result_free(&r);
	return err;
}

/* Child side: run one case, report the skip reason on the pipe's first line. */
static int run_one_child(struct test *t, int fd)
{
	struct test_ctx ctx = { .name = t->name, .data = t->data };
	enum test_result res = TEST_FAIL;

	log_fd = fd;
	snprintf(ctx.tmpdir, sizeof(ctx.tmpdir), "%s/upstare-test.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(ctx.tmpdir)) {
		test_log("mkdtemp: %s", strerror(errno));
		return TEST_FAIL;
	}
	if (t->setup && t->setup(&ctx)) {
		test_log("setup failed");
		goto out;
	}
	res = t->run(&ctx);
	if (t->cleanup)
		t->cleanup(&ctx);
out:
	if (res == TEST_SKIP)
		dprintf(fd, "SKIP-REASON: %s\n", skip_reason);
	if (!getenv("UPSTARE_KEEP_TMP"))
		rm_rf(ctx.tmpdir);
	else
		dprintf(fd, "kept %s\n", ctx.tmpdir);
	return res;
}

struct outcome {
	int pass, fail, skip;
};

static char *slurp_fd(int fd, size_t *len)
{
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	ssize_t r;

	while (buf && (r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (cap - n < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
	}
	if (buf)
		buf[n] = 0;
	*len = n;
	return buf;
}

static void run_one(struct test *t, int timeout_s, bool verbose, struct outcome *o)
{
	char tmpl[] = "/tmp/upstare-log.XXXXXX";
	struct timespec t0, t1;
	int fd, status = 0;
	pid_t pid, w;
	char *log;
	size_t len;
	double secs;

	fd = mkstemp(tmpl);
	if (fd < 0) {
		perror("mkstemp");
		exit(2);
	}
	unlink(tmpl);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		alarm(timeout_s);
		_exit(run_one_child(t, fd));
	}
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > timeout_s + 5) {
			kill(-pid, SIGKILL);
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			dprintf(fd, "runner: killed after %d s\n", timeout_s + 5);
			break;
		}
		usleep(20000);
	}
	/* whatever the case left behind in its process group goes too */
	kill(-pid, SIGKILL);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;

	lseek(fd, 0, SEEK_SET);
	log = slurp_fd(fd, &len);
	close(fd);

	if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_PASS) {
		o->pass++;
		printf("ok      %-48s %7.2fs\n", t->name, secs);
		if (verbose && len)
			fputs(log, stdout);
	} else if (WIFEXITED(status) && WEXITSTATUS(status) == TEST_SKIP) {
		char *r = strstr(log, "SKIP-REASON: ");
		char *nl;

		o->skip++;
		r = r ? r + 13 : "(no reason given)";
		nl = strchr(r, '\n');
		printf("SKIP    %-48s %.*s\n", t->name, nl ? (int)(nl - r) : (int)strlen(r), r);
		if (verbose && len)
			fputs(log, stdout);
	} else {
		o->fail++;
		if (WIFSIGNALED(status))
			printf("FAIL    %-48s (killed by signal %d)\n", t->name, WTERMSIG(status));
		else
			printf("FAIL    %-48s %7.2fs\n", t->name, secs);
		if (len)
			fputs(log, stdout);
	}
	fflush(stdout);
	free(log);
}

static bool selected(struct test *t, int nfilt, char **filt, bool long_too, bool bench)
{
	if ((t->long_only && !long_too) || (t->bench_only && !bench))
		return false;
	if (!nfilt)
		return true;
	for (int i = 0; i < nfilt; i++)
		if (!fnmatch(filt[i], t->name, 0) || strstr(t->name, filt[i]))
			return true;
	return false;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: runner [-v] [-l] [--long] [--bench] [-T SECONDS] [FILTER...]\n"
		"  -v        show every case's log\n"
		"  -l        list the cases and exit\n"
		"  --long    include the long cases (make check-long)\n"
		"  --bench   include the benchmarks, bench/ (make bench)\n"
		"  -T SECS   per-case time limit (default 600; a case may ask for more)\n"
		"  FILTER    glob or substring of case names\n");
}

int main(int argc, char **argv)
{
	bool verbose = false, list = false, long_too = false, bench = false;
	struct outcome o = { 0 };
	int timeout_s = 600, i;
	struct test *t;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "-l"))
			list = true;
		else if (!strcmp(argv[i], "--long"))
			long_too = true;
		else if (!strcmp(argv[i], "--bench"))
			bench = true;
		else if (!strcmp(argv[i], "-T") && i + 1 < argc)
			timeout_s = atoi(argv[++i]);
		else {
			usage();
			return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (t = tests; t; t = t->next) {
		if (!selected(t, argc - i, argv + i, long_too, bench))
			continue;
		if (list) {
			printf("%s%s\n", t->name, t->long_only ? " (long)" :
			       t->bench_only ? " (bench)" : "");
			continue;
		}
		run_one(t, t->timeout_s > timeout_s ? t->timeout_s : timeout_s, verbose, &o);
	}
	if (list)
		return 0;
	printf("%d passed, %d failed, %d skipped\n", o.pass, o.fail, o.skip);
	return o.fail ? 1 : 0;
}
