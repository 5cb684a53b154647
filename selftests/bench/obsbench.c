// SPDX-License-Identifier: GPL-2.0
/*
 * obsbench: what observation costs, measured side by side in one run
 * (make bench, as root).
 *
 * Method.  The machine is shared, so a figure taken once is mostly noise.
 * Everything that measures (this process, the target, the pipe partner) is
 * pinned to one CPU; upstared runs unpinned.  A run is a chain of short
 * cycles A B C A B C ... A: A without upstared, B with upstared idle and
 * the target registered, C with an update window open on the target.  In
 * each state every figure is the best of a few short loops, the loops of
 * the unrelated process and of the target interleaved (other load only
 * ever adds time).  Each cycle gives a ratio against the mean of the A
 * before it and the A after it, which cancels drift slower than a cycle;
 * the table gives the median of those per-cycle ratios and their spread
 * (a distribution-free 95% confidence interval of that median, the
 * quartiles, min and max).  The absolute columns are medians.  41 cycles
 * by default, about 30 s.
 *
 *   getppid unrelated  ns per getppid() in a process that is not registered
 *   getppid target     ns per getppid() in the registered target (which has
 *                      a handler for the kick signal: the window kicks it once)
 *   pipe round trip    us per one-byte ping-pong between two unregistered
 *                      processes on the same CPU (so through the scheduler)
 *   snapshot 64        ms for one `threads` request on a 64-thread process
 *                      (BPF iterator + symbolization + classification), and
 *                      the iterator alone as upstared reports it (upstared
 *                      restarts each cycle: its first request, which reads
 *                      DWARF, is not counted)
 *
 * usage: obsbench UPSTARED_PATH [CYCLES]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/client.h"
#include "../../controller/json.h"

#define LOOPS		20000	/* getppid() calls in one loop */
#define BEST_OF		7	/* loops per process per state */
#define PINGS		2000
#define SNAPSHOTS	3	/* per cycle, after one not counted */
#define MAX_CYCLES	201
#define SETTLE_US	50000	/* after each change of state */

static char sock[64];	/* /tmp/obsbench.PID.sock: runs may overlap */
static cpu_set_t all_cpus;	/* what we were given; upstared gets it back */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static double getppid_loop_ns(void)
{
	double t0 = now_ns();

	for (int i = 0; i < LOOPS; i++)
		getppid();
	return (now_ns() - t0) / LOOPS;
}

static double pipe_rtt_once(void)
{
	int a[2], b[2];
	char c = 0;
	double t0;
	pid_t pid;

	if (pipe(a) || pipe(b))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(a[1]);
		close(b[0]);
		while (read(a[0], &c, 1) == 1 && write(b[1], &c, 1) == 1)
			;
		_exit(0);
	}
	t0 = now_ns();
	for (int i = 0; i < PINGS; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			break;
	t0 = (now_ns() - t0) / PINGS / 1000;
	close(a[1]);
	close(b[0]);
	close(a[0]);
	close(b[1]);
	waitpid(pid, NULL, 0);
	return t0;
}

static double pipe_rtt_us(void)
{
	double best = 1e30;

	for (int k = 0; k < 3; k++) {
		double t = pipe_rtt_once();

		if (t < best)
			best = t;
	}
	return best;
}

/* The target: a child that measures itself on request. */
struct target {
	pid_t pid;
	int cmd, res;
};

static void on_kick(int sig)
{
}

static int target_start(struct target *t)
{
	int c[2], r[2];
	char x;

	if (pipe(c) || pipe(r))
		return -1;
	t->pid = fork();
	if (t->pid == 0) {
		close(c[1]);
		close(r[0]);
		signal(36, on_kick);
		for (;;) {
			double ns;
			ssize_t n = read(c[0], &x, 1);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				_exit(0);
			ns = getppid_loop_ns();
			if (write(r[1], &ns, sizeof(ns)) != sizeof(ns))
				_exit(1);
		}
	}
	t->cmd = c[1];
	t->res = r[0];
	close(c[0]);
	close(r[1]);
	return 0;
}

static double target_getppid_ns(struct target *t)
{
	double ns;

	if (write(t->cmd, "m", 1) != 1)
		return -1;
	while (read(t->res, &ns, sizeof(ns)) < 0)
		if (errno != EINTR)
			return -1;
	return ns;
}

/* 64 threads asleep in nanosleep. */
static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return NULL;
}

static pid_t start_threads64(void)
{
	pid_t pid = fork();

	if (pid == 0) {
		pthread_t t;

		for (int i = 0; i < 63; i++)
			pthread_create(&t, NULL, sleeper, NULL);
		for (;;)
			pause();
	}
	return pid;
}

static pid_t daemon_start(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		sched_setaffinity(0, sizeof(all_cpus), &all_cpus);
		freopen("/dev/null", "w", stderr);
		execl(path, path, "-s", sock, (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		int fd = client_connect(sock);

		if (fd >= 0) {
			close(fd);
			return pid;
		}
		usleep(20000);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	return -1;
}

static void daemon_stop(pid_t pid)
{
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
}

static struct json *req(const char *fmt, long arg)
{
	char buf[256], err[128];
	struct json *j;
	int fd = client_connect(sock);

	if (fd < 0)
		return NULL;
	snprintf(buf, sizeof(buf), fmt, arg);
	j = client_request(fd, buf, err, sizeof(err));
	close(fd);
	return j;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The q-quantile of v[0..n) (sorts v), linear between ranks. */
static double quantile(double *v, int n, double q)
{
	double pos = q * (n - 1);
	int i = (int)pos;

	qsort(v, n, sizeof(*v), cmp_double);
	return i + 1 < n ? v[i] + (pos - i) * (v[i + 1] - v[i]) : v[i];
}

/*
 * Rank (0-based, in sorted order) of the lower (side < 0) or upper bound
 * of a distribution-free 95% confidence interval for the median of n
 * values, from the normal approximation of the binomial.
 */
static int ci_rank(int n, int side)
{
	double h = 0.98 * sqrt(n);
	/* 1-based ranks floor(n/2 - h) and ceil(1 + n/2 + h) */
	int i = side < 0 ? (int)floor(n / 2.0 - h) - 1 : (int)ceil(1 + n / 2.0 + h) - 1;

	return i < 0 ? 0 : i >= n ? n - 1 : i;
}

/* Pin this process (and what it forks from now on) to its last allowed CPU. */
static int pin_last_cpu(void)
{
	cpu_set_t one;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(all_cpus), &all_cpus))
		return -1;
	for (int i = 0; i < CPU_SETSIZE; i++)
		if (CPU_ISSET(i, &all_cpus))
			cpu = i;
	CPU_ZERO(&one);
	CPU_SET(cpu, &one);
	return sched_setaffinity(0, sizeof(one), &one) ? -1 : cpu;
}

/* One state's figures. */
struct sample {
	double un, tg, rtt;
};

static void measure(struct target *t, struct sample *s, bool rtt)
{
	s->un = s->tg = s->rtt = 1e30;
	usleep(SETTLE_US);
	for (int k = 0; k < BEST_OF; k++) {
		double u = getppid_loop_ns(), g = target_getppid_ns(t);

		if (u < s->un)
			s->un = u;
		if (g < s->tg)
			s->tg = g;
	}
	if (rtt)
		s->rtt = pipe_rtt_us();
}

#define FIELD(s, f) (*(double *)((char *)(s) + (f)))

/* One table row: medians of both states, and the per-cycle ratios' spread. */
static void row(const char *name, const struct sample *a, const struct sample *x, int n,
		size_t f, const char *fmt)
{
	double va[MAX_CYCLES + 1], vx[MAX_CYCLES], r[MAX_CYCLES];
	char na[16], nx[16];

	for (int c = 0; c < n; c++) {
		double base = (FIELD(&a[c], f) + FIELD(&a[c + 1], f)) / 2;

		vx[c] = FIELD(&x[c], f);
		r[c] = vx[c] / base;
	}
	for (int c = 0; c <= n; c++)
		va[c] = FIELD(&a[c], f);
	snprintf(na, sizeof(na), fmt, quantile(va, n + 1, 0.5));
	snprintf(nx, sizeof(nx), fmt, quantile(vx, n, 0.5));
	qsort(r, n, sizeof(*r), cmp_double);
	printf("%-34s %8s %8s %6.3f  %5.3f-%5.3f  %5.3f-%5.3f  %5.3f-%5.3f\n", name, na, nx,
	       quantile(r, n, 0.5), r[ci_rank(n, -1)], r[ci_rank(n, 1)],
	       quantile(r, n, 0.25), quantile(r, n, 0.75), r[0], r[n - 1]);
}

int main(int argc, char **argv)
{
	static struct sample a[MAX_CYCLES + 1], b[MAX_CYCLES], w[MAX_CYCLES];
	static double snap[SNAPSHOTS * MAX_CYCLES], iter[SNAPSHOTS * MAX_CYCLES];
	int cycles = argc > 2 ? atoi(argv[2]) : 41, nsnap = 0, cpu, ret = 1;
	struct target t;
	pid_t d = 0, t64;

	if (argc < 2 || geteuid()) {
		fprintf(stderr, "usage (as root): obsbench UPSTARED_PATH [CYCLES]\n");
		return 2;
	}
	if (cycles < 1 || cycles > MAX_CYCLES)
		cycles = 41;
	snprintf(sock, sizeof(sock), "/tmp/obsbench.%d.sock", (int)getpid());
	cpu = pin_last_cpu();
	if (cpu < 0) {
		perror("obsbench: sched_setaffinity");
		return 1;
	}
	signal(36, on_kick);
	if (target_start(&t)) {
		perror("obsbench: target");
		return 1;
	}
	t64 = start_threads64();
	measure(&t, &a[0], true);
	for (int c = 0; c < cycles; c++) {
		struct json *j;

		/* B: upstared idle, target registered. */
		d = daemon_start(argv[1]);
		if (d < 0) {
			fprintf(stderr, "obsbench: upstared did not start\n");
			goto cleanup;
		}
		json_free(req("{\"cmd\":\"attach\",\"pid\":%ld}", t.pid));
		json_free(req("{\"cmd\":\"attach\",\"pid\":%ld}", t64));
		measure(&t, &b[c], true);
		/* The first reads the DWARF: the others are the warm cost. */
		for (int i = 0; i <= SNAPSHOTS; i++) {
			double t0 = now_ns();

			j = req("{\"cmd\":\"threads\",\"pid\":%ld}", t64);
			if (i) {
				snap[nsnap] = (now_ns() - t0) / 1e6;
				iter[nsnap++] = json_int(j, "snapshot_ns", 0) / 1e6;
			}
			if (!j || json_int(j, "nthreads", 0) != 64) {
				fprintf(stderr, "obsbench: snapshot of the 64-thread process failed\n");
				json_free(j);
				goto cleanup_daemon;
			}
			json_free(j);
		}
		/* C: update window open on the target. */
		j = req("{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", t.pid);
		if (!j || !json_bool(j, "ok", false)) {
			fprintf(stderr, "obsbench: cannot open a window\n");
			json_free(j);
			goto cleanup_daemon;
		}
		json_free(j);
		measure(&t, &w[c], false);
		daemon_stop(d);
		d = 0;
		/* A: no BPF loaded; closes this cycle and opens the next. */
		measure(&t, &a[c + 1], true);
	}
	printf("measuring on CPU %d; %d cycles; ratio = median of per-cycle ratios\n",
	       cpu, cycles);
	printf("%-34s %8s %8s %6s  %-11s  %-11s  %-11s\n", "measure", "no BPF", "upstared",
	       "ratio", "95% CI", "quartiles", "min-max");
	row("getppid ns, unrelated, idle", a, b, cycles, offsetof(struct sample, un), "%.1f");
	row("getppid ns, target, idle", a, b, cycles, offsetof(struct sample, tg), "%.1f");
	row("getppid ns, unrelated, window open", a, w, cycles, offsetof(struct sample, un),
	    "%.1f");
	row("getppid ns, target, window open", a, w, cycles, offsetof(struct sample, tg), "%.1f");
	row("pipe round trip us, idle", a, b, cycles, offsetof(struct sample, rtt), "%.2f");
	printf("%-34s %8s %8.2f\n", "snapshot 64 threads ms (request)", "-",
	       quantile(snap, nsnap, 0.5));
	printf("%-34s %8s %8.2f\n", "snapshot 64 threads ms (iterator)", "-",
	       quantile(iter, nsnap, 0.5));
	ret = 0;
cleanup_daemon:
	if (d > 0)
		daemon_stop(d);
cleanup:
	kill(t64, SIGKILL);	/* it holds the target's command pipe too */
	waitpid(t64, NULL, 0);
	close(t.cmd);
	waitpid(t.pid, NULL, 0);
	return ret;
}
