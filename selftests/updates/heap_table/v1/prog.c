/*
 * A server's tables, kept as memcached keeps them: a table of connection
 * pointers indexed by fd (calloc'd, max_fds long), an array of worker
 * records (calloc'd, settings.nworkers long) that each connection points
 * into, and an event list of a library that links each connection's
 * embedded event and gives the connection back to its callback as a
 * void *.  Version 2 drops and reorders fields of the connection (which
 * shrinks, its event where it was) and grows the worker.
 *
 * -DBAD_LINK: the list of connections ends in a pointer that does not lead
 * to one (which the program never follows).  -DBAD_COUNT: max_fds is set
 * to -1 once the table is made.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
struct event {			/* the library's, the same in both versions */
	struct event *next;
	void (*cb)(void *arg);
	void *arg;
};

struct worker {
	int id;
	long served;
};

struct conn {
	int fd;
	char scratch[40];
	int state;
	struct event ev;
	long count;
	struct worker *worker;
	struct conn *next;
	char trailer[16];
};
#define STARTED(w) 0L
#define BORN(c) 0L
#endif

static struct event *events;	/* the library's list of events */
static struct conn **conns;	/* by fd */
static int max_fds;
static struct worker *workers;
static struct {
	int verbose;
	int nworkers;
} settings;
static struct conn *first;	/* every connection, through next */

#ifdef BAD_LINK
#define END ((struct conn *)0x10)
#else
#define END NULL
#endif

static void on_event(void *arg)
{
	struct conn *c = arg;

	c->count++;
	c->worker->served++;
}

static void add(int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	c->fd = fd;
	c->worker = &workers[fd % settings.nworkers];
	c->ev.cb = on_event;
	c->ev.arg = c;
	c->ev.next = events;
	events = &c->ev;
	c->next = first ? first : END;
	first = c;
	conns[fd] = c;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	max_fds = 64;
	conns = calloc(max_fds, sizeof(*conns));
	settings.nworkers = 3;
	workers = calloc(settings.nworkers, sizeof(*workers));
	for (int i = 0; i < settings.nworkers; i++)
		workers[i].id = i + 1;
	for (int fd = 5; fd < 47; fd += 3)
		add(fd);
#ifdef BAD_COUNT
	max_fds = -1;
#endif
	for (long n = 1;; n++) {
		long nconn = 0, ok = 0, count = 0, served = 0, list = 0, started = 0, born = 0;

		for (struct event *ev = events; ev; ev = ev->next)
			ev->cb(ev->arg);
		for (int fd = 0; fd < 64; fd++) {
			struct conn *c = conns[fd];

			if (!c)
				continue;
			nconn++;
			count += c->count;
			born += BORN(*c);
			ok += c->fd == fd && c->worker == &workers[fd % settings.nworkers] &&
			      c->ev.arg == c && c->worker->id == fd % settings.nworkers + 1;
		}
		for (int i = 0; i < settings.nworkers; i++) {
			served += workers[i].served;
			started += STARTED(workers[i]);
		}
		for (struct conn *c = first; c != END; c = c->next)
			list++;
		printf(VERSION " n=%ld conns=%ld ok=%ld count=%ld served=%ld list=%ld started=%ld "
		       "born=%ld\n", n, nconn, ok, count, served, list, started, born);
		usleep(10000);
	}
}
