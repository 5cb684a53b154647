// SPDX-License-Identifier: GPL-2.0
/*
 * The server of the pause benchmark: an echo server with N worker threads,
 * each waiting in epoll_wait() on its share of the connections, and main
 * blocked in accept().  Built with -DVERSION='"vK"' for each version of the
 * update chain; it answers each line with "VERSION:line".  "server N P":
 * pre-forked, P processes in all (the first and P - 1 children, which end
 * with it) accept on the one listening socket, each with N workers.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v0"
#endif

static int eps[256];

static void *worker(void *arg)
{
	int ep = eps[(long)arg], n, fd, len;
	struct epoll_event ev[64];
	char buf[256], out[300];
	ssize_t r;

	for (;;) {
		n = epoll_wait(ep, ev, 64, -1);
		for (int i = 0; i < n; i++) {
			fd = ev[i].data.fd;
			r = read(fd, buf, sizeof(buf) - 1);
			if (r <= 0) {
				close(fd);
				continue;
			}
			buf[r] = 0;
			len = snprintf(out, sizeof(out), VERSION ":%s", buf);
			write(fd, out, len);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	struct rlimit rl;
	long nworkers = argc > 1 ? atol(argv[1]) : 1, next = 0;
	long nprocs = argc > 2 ? atol(argv[2]) : 1;
	pid_t first = getpid();
	pthread_t t;
	int s, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (nworkers < 1 || nworkers > 256 || nprocs < 1 || nprocs > 1024)
		return 2;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4096) ||
	    getsockname(s, (struct sockaddr *)&a, &al))
		return 1;
	for (long i = 1; i < nprocs; i++)
		if (fork() == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			break;
		}
	for (long i = 0; i < nworkers; i++) {
		eps[i] = epoll_create1(0);
		pthread_create(&t, NULL, worker, (void *)i);
	}
	if (getpid() == first)
		printf("port %d\n", ntohs(a.sin_port));
	for (;;) {
		struct epoll_event ev = { .events = EPOLLIN };

		fd = accept(s, NULL, NULL);
		if (fd < 0)
			continue;
		ev.data.fd = fd;
		epoll_ctl(eps[next++ % nworkers], EPOLL_CTL_ADD, fd, &ev);
	}
	return 0;
}
