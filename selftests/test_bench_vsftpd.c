// SPDX-License-Identifier: GPL-2.0
/*
 * bench/vsftpd (make bench only): what instrumenting costs a forking
 * server's clients.  vsftpd 3.0.5 (the trixie source package, built by its
 * own Makefile as real/vsftpd does it, plain and with upstare-cc) serves
 * anonymous sessions in its default model: a privileged listener, a
 * chrooted, unprivileged process per session.  Each pair runs a batch of
 * SESSIONS sessions on each build, in alternating order: connect, log in,
 * TYPE I, RETR a 64 KiB file (checked byte for byte), QUIT, one after the other.
 * Per build and pair: the batch's wall time (throughput), the median
 * session's time (latency), and the CPU time of the server's processes
 * (the listener's own and its reaped sessions', /proc/PID/stat).  The
 * table gives instrumented / plain, the median over PAIRS pairs and the
 * spread of the pairs.  No instruction counts: the machine has no
 * hardware counters and valgrind cannot run vsftpd (it refuses vsftpd's
 * setrlimit(RLIMIT_NOFILE)), so CPU time is the steadier measure here.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ftpclient.h"
#include "test.h"
#include "vsftpdlib.h"

#define PAIRS		7
#define SESSIONS	200
#define FILE_SIZE	(64 << 10)

enum { PLAIN, INSTR, NV };
static const char *const vname[NV] = { "plain", "instrumented" };

struct batch {
	double wall_s, median_ms, cpu_s;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* utime + stime + cutime + cstime of pid, in seconds, or -1. */
static double tree_cpu_s(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long ut, st, cut, cst;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	/* after ") ": state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime */
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu %llu %llu",
			 &ut, &st, &cut, &cst) != 4)
		return -1;
	return (double)(ut + st + cut + cst) / sysconf(_SC_CLK_TCK);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* One session: log in, RETR f, check it, QUIT.  Its time in ms, or -1. */
static double session(int port, const char *want, FILE *log)
{
	double t0 = now_s();
	struct ftp c;
	char *data = NULL;
	size_t len = 0;
	bool ok;

	if (ftp_open(&c, loopback_connect(port, FTP_IO_TIMEOUT_S), log))
		return -1;
	ok = ftp_login(&c, "login") && ASSERT_EQ(ftp_cmd(&c, "TYPE I"), 200, "TYPE I") &&
	     ASSERT_EQ(ftp_data_cmd(&c, false, &data, &len, "RETR f"), 226, "RETR f") &&
	     ftp_same_bytes("f", data, len, want, FILE_SIZE) &&
	     ASSERT_EQ(ftp_cmd(&c, "QUIT"), 221, "QUIT");
	free(data);
	ftp_close(&c);
	return ok ? (now_s() - t0) * 1e3 : -1;
}

static bool run_batch(const struct vsftpd *s, const char *want, FILE *log, struct batch *b)
{
	double ms[SESSIONS], t0, c0 = tree_cpu_s(s->pid), c1;

	t0 = now_s();
	for (int i = 0; i < SESSIONS; i++) {
		ms[i] = session(s->port, want, log);
		if (ms[i] < 0)
			return false;
	}
	b->wall_s = now_s() - t0;
	b->median_ms = median(ms, SESSIONS);
	/*
	 * The last session's process may not be reaped yet: read until two
	 * reads 50 ms apart agree, boundedly.
	 */
	c1 = tree_cpu_s(s->pid);
	for (int i = 0; i < 20 && c1 >= 0; i++) {
		double prev = c1;

		usleep(50000);
		c1 = tree_cpu_s(s->pid);
		if (c1 == prev)
			break;
	}
	b->cpu_s = c0 < 0 || c1 < 0 ? -1 : c1 - c0;
	return b->cpu_s >= 0;
}

static void ratio_row(const char *what, double *r, int n)
{
	double lo, hi, m;

	m = median(r, n);	/* sorts r */
	lo = r[n / 4];
	hi = r[(3 * n) / 4];
	test_log("%-22s %6.3f   %.3f-%.3f", what, m, lo, hi);
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *cc[NV] = { plain_cc(), upstare_cc() };
	struct vsftpd srv[NV] = { { 0 } };
	char *src = NULL, *root = NULL, *empty = NULL, *want = NULL, dir[NV][512], bin[NV][600],
	     path[600];
	double thr[PAIRS], lat[PAIRS], cpu[PAIRS];
	struct batch b[PAIRS][NV];
	enum test_result res;
	FILE *log = NULL;
	int v, fd;

	res = vsftpd_prepare(ctx, &src, &root, &empty);
	if (res != TEST_PASS)
		goto out;
	res = TEST_FAIL;
	want = vsftpd_blob(FILE_SIZE, 42);
	snprintf(path, sizeof(path), "%s/f", root);
	if (!want || !ASSERT_OK(write_file(path, want, FILE_SIZE), "write the served file"))
		goto out;
	snprintf(path, sizeof(path), "%s/transcript", ctx->tmpdir);
	log = fopen(path, "we");
	if (!ASSERT_TRUE(log, "transcript file"))
		goto out;
	for (v = 0; v < NV; v++) {
		snprintf(dir[v], sizeof(dir[v]), "%s/%s", ctx->tmpdir, v == PLAIN ? "plain" : "instr");
		snprintf(bin[v], sizeof(bin[v]), "%s/vsftpd", dir[v]);
		if (!vsftpd_build(src, dir[v], cc[v], vname[v], NULL))
			goto out;
		if (!vsftpd_serve(&srv[v], bin[v], dir[v], "bench", root, empty, "", vname[v], &fd))
			goto out;
		close(fd);
	}
	for (int p = 0; p < PAIRS; p++) {
		for (int k = 0; k < NV; k++) {
			v = (p + k) % NV;	/* plain first in even pairs */
			if (!run_batch(&srv[v], want, log, &b[p][v])) {
				test_log("%s vsftpd: a session failed (transcript: %s)", vname[v], path);
				vsftpd_log_tail(&srv[v]);
				goto out;
			}
		}
		thr[p] = b[p][INSTR].wall_s / b[p][PLAIN].wall_s;
		lat[p] = b[p][INSTR].median_ms / b[p][PLAIN].median_ms;
		cpu[p] = b[p][PLAIN].cpu_s > 0 ? b[p][INSTR].cpu_s / b[p][PLAIN].cpu_s : 0;
		test_log("pair %d: plain %.3f s, %.3f ms/session, cpu %.2f s; "
			 "instrumented %.3f s, %.3f ms/session, cpu %.2f s", p + 1,
			 b[p][PLAIN].wall_s, b[p][PLAIN].median_ms, b[p][PLAIN].cpu_s,
			 b[p][INSTR].wall_s, b[p][INSTR].median_ms, b[p][INSTR].cpu_s);
	}
	test_log("vsftpd 3.0.5, %d pairs of %d sessions (login, RETR %d KiB, QUIT) per build",
		 PAIRS, SESSIONS, FILE_SIZE >> 10);
	test_log("%-22s %6s   %s", "instrumented / plain", "median", "quartiles");
	ratio_row("batch time (1/thrpt)", thr, PAIRS);
	ratio_row("session latency", lat, PAIRS);
	ratio_row("server CPU time", cpu, PAIRS);
	res = TEST_PASS;
out:
	for (v = 0; v < NV; v++)
		if (srv[v].pid)
			vsftpd_stop(&srv[v]);
	if (log)
		fclose(log);
	free(want);
	free(empty);
	free(root);
	free(src);
	return res;
}

UPSTARE_BENCH_TEST(vsftpd, run)
