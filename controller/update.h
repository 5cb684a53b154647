/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The update driver (update.c), shared by upstarectl update --direct
 * (ctl_update.c) and upstared, which adds its readiness rules and its
 * update window through the hooks.
 */
#ifndef UPSTARE_UPDATE_H
#define UPSTARE_UPDATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/* --timeout's bound: no thread is held parked, nor a client waits, longer. */
#define UPDATE_TIMEOUT_MAX_MS	600000

struct update_hooks {
	void *arg;
	/*
	 * Before anything is asked of the targets: 0 once every thread of
	 * every process in pids is ready; at deadline_ns (CLOCK_MONOTONIC)
	 * nonzero, with one line per thread that was not, and why, in why.
	 */
	int (*gate)(void *arg, const pid_t *pids, int n, uint64_t deadline_ns, FILE *why);
	/*
	 * open: the request is written; kick the threads of pid that enter a
	 * wrapped blocking call from now on (slots_addr: its upstare_threads[]).
	 * !open: the update is over.
	 */
	void (*window)(void *arg, pid_t pid, uint64_t slots_addr, int open);
	/*
	 * 0 if whoever asked may update pid (each target, --tree's
	 * descendants too, before anything is read or written); else
	 * nonzero, with the reason in why.
	 */
	int (*authorize)(void *arg, pid_t pid, char *why, size_t n);
	/*
	 * on: the files the arguments name (the patch, the constraints) are
	 * opened from now on with the rights of whoever asked; !on: with this
	 * process's own again.  Nonzero if the rights cannot be taken.
	 */
	int (*as_client)(void *arg, int on);
};

/*
 * What an update is asked to do: upstarectl update's options as data.
 * upstarectl fills it from its arguments (ctl_update.c); upstared from
 * the request's fields, with no argument parsing and no change of working
 * directory: its clients send absolute paths.
 */
struct update_req {
	pid_t pid;
	const char *patch;		/* --patch */
	const char *constraints;	/* --constraints, or NULL */
	unsigned timeout_ms;		/* --timeout: 1 to UPDATE_TIMEOUT_MAX_MS */
	bool tree, explain, stacks, json;
	char **threads;			/* --threads: tids or names (the array is r's) */
	size_t nthreads;
	unsigned depth;			/* --depth; 0: every frame */
};

/* Are r's values in range?  0, or -1 with the usage on err. */
int update_check(const struct update_req *r, FILE *err);
void update_req_free(struct update_req *r);
/*
 * Run the update r describes; the report goes to out, diagnostics to err.
 * Returns the exit status.  h may be NULL.
 */
int update_exec(const struct update_req *r, FILE *out, FILE *err, const struct update_hooks *h);

#endif
