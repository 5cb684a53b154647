// SPDX-License-Identifier: GPL-2.0
/*
 * obsbench: what observation costs, measured side by side in one run
 * (make bench, as root).  Rounds alternate without upstared, with upstared
 * idle, and with an update window open on the target; each figure is the
 * median over the rounds of the best of a few loops in that round.
 *
 *   getppid unrelated  ns per getppid() in a process that is not registered
 *   getppid target     ns per getppid() in the registered target (which has
 *                      a handler for the kick signal: the window kicks it once)
 *   pipe round trip    us per one-byte ping-pong between two unregistered
 *                      processes
 *   snapshot 64        ms for one `threads` request on a 64-thread process
 *                      (BPF iterator + symbolization + classification), and
 *                      the iterator alone as upstared reports it
 *
 * usage: obsbench UPSTARED_PATH [ROUNDS]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../controller/client.h"
#include "../../controller/json.h"

#define LOOPS		200000
#define PINGS		20000
#define SNAPSHOTS	10
#define MAX_ROUNDS	15

static const char *sock = "/tmp/obsbench.sock";

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Best of 5 loops: other load on the machine only ever adds time. */
static double getppid_ns(void)
{
	double best = 1e30;

	for (int k = 0; k < 5; k++) {
		double t0 = now_ns(), t;

		for (int i = 0; i < LOOPS; i++)
			getppid();
		t = (now_ns() - t0) / LOOPS;
		if (t < best)
			best = t;
	}
	return best;
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
			ns = getppid_ns();
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

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

int main(int argc, char **argv)
{
	double un[3][MAX_ROUNDS], tg[3][MAX_ROUNDS], rtt[2][MAX_ROUNDS];
	double snap[SNAPSHOTS * MAX_ROUNDS], iter[SNAPSHOTS * MAX_ROUNDS];
	int rounds = argc > 2 ? atoi(argv[2]) : 5, nsnap = 0;
	struct target t;
	pid_t d, t64;

	if (argc < 2 || geteuid()) {
		fprintf(stderr, "usage (as root): obsbench UPSTARED_PATH [ROUNDS]\n");
		return 2;
	}
	if (rounds < 1 || rounds > MAX_ROUNDS)
		rounds = 5;
	signal(36, on_kick);
	target_start(&t);
	t64 = start_threads64();
	for (int r = 0; r < rounds; r++) {
		struct json *j;

		/* 0: no BPF loaded. */
		un[0][r] = getppid_ns();
		tg[0][r] = target_getppid_ns(&t);
		rtt[0][r] = pipe_rtt_us();
		/* 1: upstared idle, target registered. */
		d = daemon_start(argv[1]);
		if (d < 0) {
			fprintf(stderr, "obsbench: upstared did not start\n");
			return 1;
		}
		json_free(req("{\"cmd\":\"attach\",\"pid\":%ld}", t.pid));
		json_free(req("{\"cmd\":\"attach\",\"pid\":%ld}", t64));
		un[1][r] = getppid_ns();
		tg[1][r] = target_getppid_ns(&t);
		rtt[1][r] = pipe_rtt_us();
		for (int i = 0; i < SNAPSHOTS; i++) {
			double t0 = now_ns();

			j = req("{\"cmd\":\"threads\",\"pid\":%ld}", t64);
			snap[nsnap] = (now_ns() - t0) / 1e6;
			iter[nsnap++] = json_int(j, "snapshot_ns", 0) / 1e6;
			if (!j || json_int(j, "nthreads", 0) != 64) {
				fprintf(stderr, "obsbench: snapshot of the 64-thread process failed\n");
				return 1;
			}
			json_free(j);
		}
		/* 2: update window open on the target. */
		j = req("{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", t.pid);
		if (!j || !json_bool(j, "ok", false)) {
			fprintf(stderr, "obsbench: cannot open a window\n");
			return 1;
		}
		json_free(j);
		un[2][r] = getppid_ns();
		tg[2][r] = target_getppid_ns(&t);
		daemon_stop(d);
		/* The baseline again after: the mean of before and after cancels drift. */
		un[0][r] = (un[0][r] + getppid_ns()) / 2;
		tg[0][r] = (tg[0][r] + target_getppid_ns(&t)) / 2;
		rtt[0][r] = (rtt[0][r] + pipe_rtt_us()) / 2;
	}
	printf("%-34s %10s %10s %8s\n", "measure", "no BPF", "upstared", "ratio");
	printf("%-34s %10.1f %10.1f %8.3f\n", "getppid ns, unrelated, idle",
	       median(un[0], rounds), median(un[1], rounds),
	       median(un[1], rounds) / median(un[0], rounds));
	printf("%-34s %10.1f %10.1f %8.3f\n", "getppid ns, target, idle",
	       median(tg[0], rounds), median(tg[1], rounds),
	       median(tg[1], rounds) / median(tg[0], rounds));
	printf("%-34s %10.1f %10.1f %8.3f\n", "getppid ns, unrelated, window open",
	       median(un[0], rounds), median(un[2], rounds),
	       median(un[2], rounds) / median(un[0], rounds));
	printf("%-34s %10.1f %10.1f %8.3f\n", "getppid ns, target, window open",
	       median(tg[0], rounds), median(tg[2], rounds),
	       median(tg[2], rounds) / median(tg[0], rounds));
	printf("%-34s %10.2f %10.2f %8.3f\n", "pipe round trip us, idle",
	       median(rtt[0], rounds), median(rtt[1], rounds),
	       median(rtt[1], rounds) / median(rtt[0], rounds));
	printf("%-34s %10s %10.2f\n", "snapshot 64 threads ms (request)", "-",
	       median(snap, nsnap));
	printf("%-34s %10s %10.2f\n", "snapshot 64 threads ms (iterator)", "-",
	       median(iter, nsnap));
	printf("(medians of %d rounds)\n", rounds);
	kill(t64, SIGKILL);	/* it holds the target's command pipe too */
	waitpid(t64, NULL, 0);
	close(t.cmd);
	waitpid(t.pid, NULL, 0);
	return 0;
}
