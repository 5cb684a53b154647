// SPDX-License-Identifier: GPL-2.0
/*
 * pause-driver PORT NCONN UPSTARECTL PID PATCH...: connect NCONN idle
 * clients to the benchmark server, apply each patch in turn with
 * upstarectl update --json, print each update's pause_us, then check that
 * every connection survived and answers with the last version.  Prints
 * "median_us N" last.  Exits non-zero when an update is not applied or a
 * connection is lost.
 *
 * PAUSE_TREE=1 in the environment: update the process tree (--tree), for
 * the pre-forked server.
 *
 * pause-driver --latency PORT NREQ: one client, NREQ request/answer round
 * trips; prints "median_ns N" and "reqs_per_s N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int dial(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { 10, 0 };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		return -1;
	}
	return fd;
}

static int ask(int fd, const char *msg, char *buf, size_t n)
{
	ssize_t r;

	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return -1;
	r = read(fd, buf, n - 1);
	if (r <= 0)
		return -1;
	buf[r] = 0;
	return 0;
}

static int cmp(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static long now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000000000l + t.tv_nsec;
}

static int latency(int port, int nreq)
{
	long *lat = calloc(nreq, sizeof(*lat)), start = now_ns();
	int fd = dial(port);
	char buf[512];

	if (fd < 0 || !lat)
		return 1;
	for (int i = 0; i < nreq; i++) {
		long t0 = now_ns();

		if (ask(fd, "hi\n", buf, sizeof(buf)))
			return 1;
		lat[i] = now_ns() - t0;
	}
	printf("reqs_per_s %ld\n", (long)(nreq * 1e9 / (now_ns() - start)));
	qsort(lat, nreq, sizeof(*lat), cmp);
	printf("median_ns %ld\n", lat[nreq / 2]);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int port, nconn, npatch = argc - 5, *fds;
	struct rlimit rl;
	char buf[512], want[64];
	long *pause;

	if (argc == 4 && !strcmp(argv[1], "--latency"))
		return latency(atoi(argv[2]), atoi(argv[3]));
	if (argc < 6) {
		fprintf(stderr, "usage: pause-driver PORT NCONN UPSTARECTL PID PATCH...\n");
		return 2;
	}
	port = atoi(argv[1]);
	nconn = atoi(argv[2]);
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	fds = calloc(nconn, sizeof(*fds));
	pause = calloc(npatch, sizeof(*pause));
	for (int i = 0; i < nconn; i++) {
		fds[i] = dial(port);
		if (fds[i] < 0 || ask(fds[i], "hi\n", buf, sizeof(buf))) {
			fprintf(stderr, "pause-driver: connection %d failed\n", i);
			return 1;
		}
	}
	for (int p = 0; p < npatch; p++) {
		static char out[1 << 20];
		char cmd[4096], *s;
		size_t len;
		FILE *f;

		snprintf(cmd, sizeof(cmd), "%s update --pid %s --patch %s --json%s", argv[3],
			 argv[4], argv[5 + p], getenv("PAUSE_TREE") ? " --tree" : "");
		f = popen(cmd, "r");
		/* all of it: a tree's answer is long, and upstarectl must not
		 * get SIGPIPE for the rest */
		len = f ? fread(out, 1, sizeof(out) - 1, f) : 0;
		out[len] = 0;
		if (!f || pclose(f)) {
			fprintf(stderr, "pause-driver: %s: %.4000s\n", argv[5 + p], out);
			return 1;
		}
		s = strstr(out, "\"pause_us\":");
		pause[p] = s ? atol(s + 11) : -1;
		printf("update %d pause_us %ld\n", p + 1, pause[p]);
	}
	snprintf(want, sizeof(want), "v%d:hi\n", npatch);
	for (int i = 0; i < nconn; i++)
		if (ask(fds[i], "hi\n", buf, sizeof(buf)) || strcmp(buf, want)) {
			fprintf(stderr, "pause-driver: connection %d: \"%s\", not \"%s\"\n", i, buf,
				want);
			return 1;
		}
	qsort(pause, npatch, sizeof(*pause), cmp);
	printf("median_us %ld\n", pause[npatch / 2]);
	return 0;
}
