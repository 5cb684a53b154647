/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The update driver of controller/ctl_update.c, shared by upstarectl
 * update --direct and upstared, which adds its readiness rules and its
 * update window through the hooks.
 */
#ifndef UPSTARE_UPDATE_H
#define UPSTARE_UPDATE_H

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
 * upstarectl update's arguments (argv[0] is "update"); the report goes to
 * out, diagnostics to err.  Returns the exit status.  h may be NULL.
 */
int update_run(int argc, char **argv, FILE *out, FILE *err, const struct update_hooks *h);

#endif
