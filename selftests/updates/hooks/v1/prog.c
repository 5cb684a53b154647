/*
 * Connections in a table by fd, each with an event embedded that the
 * library links and that hands the connection back to its callback as a
 * void *.  Version 2 moves the event inside a larger connection (converted
 * to new objects) and gives it a new callback: the library's links must
 * be moved to the new objects, which only the patch's hooks can do
 * (hooks.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../lib.h"

#ifndef VERSION
#define VERSION "v1"
struct conn {
	int fd;
	long count;
	struct event ev;
};
#define CALLBACK on_ready
#define SEEN(c) 0L
#endif

static struct conn **conns;	/* by fd */
static int max_fds;

#ifndef ON_READY
static void on_ready(void *arg)
{
	struct conn *c = arg;

	c->count++;
}
#endif

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	max_fds = 32;
	conns = calloc(max_fds, sizeof(*conns));
	for (int fd = 3; fd < 23; fd += 2) {
		struct conn *c = calloc(1, sizeof(*c));

		c->fd = fd;
		ev_set(&c->ev, CALLBACK, c);
		ev_add(&c->ev);
		conns[fd] = c;
	}
	for (long n = 1;; n++) {
		int fired = ev_dispatch(), nconn = 0, ok = 0;
		long count = 0, seen = 0;

		for (int fd = 0; fd < max_fds; fd++) {
			struct conn *c = conns[fd];

			if (!c)
				continue;
			nconn++;
			count += c->count;
			seen += SEEN(c);
			ok += c->fd == fd && c->ev.arg == c && c->ev.added && c->ev.cb == CALLBACK;
		}
		printf(VERSION " n=%ld conns=%d fired=%d ok=%d count=%ld seen=%ld\n", n, nconn,
		       fired, ok, count, seen);
		usleep(10000);
	}
}
