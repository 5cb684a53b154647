/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the update driver: update.c drives the targets' control blocks,
 * update_report.c says how the update went, update_barrier.c reads the
 * stacks the targets describe at the check barrier and judges a partial
 * update on them.  update.h is the driver's interface to everyone else.
 */
#ifndef UPSTARE_UPDATE_INTERNAL_H
#define UPSTARE_UPDATE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "constraints.h"
#include "target.h"
#include "update.h"
#include "upstare-ctl.h"

/* One process of the update, and where its request stands. */
struct target {
	char *stacks;		/* c.stacks as described at the check barrier */
	pid_t pid;
	struct target_syms sym;	/* its control block, upstare_threads[], __upstare_pending */
	uint32_t req;
	uint32_t sent;		/* the request whose patch was passed (send_patch()) */
	int done, decided, verdict_sent, window;
	int memfd;		/* its /proc/PID/mem (rw()), or -1 */
	int lockfd;		/* the controller's lock on it (lock_target()), or -1 */
	struct upstare_control c;
};

/*
 * A partial update (--threads, --depth): which frames the user asks to
 * rebuild.  Checked at the check barrier (partial_verdict()).
 */
struct partial {
	char **names;		/* --threads: tids or comms; NULL: every thread */
	size_t nnames;
	unsigned depth;		/* --depth: innermost frames rebuilt; 0: all */
	const char *patch;
	char *refusal;		/* why the update was refused at the barrier */
};

/* Through upstared: the files the client names are opened with its rights. */
static inline int client_rights(const struct update_hooks *h, int on)
{
	return h && h->as_client ? h->as_client(h->arg, on) : 0;
}

/* update_report.c */

/*
 * The report of an update on f, as text or JSON: the result, each of the
 * n targets' answer (t may be NULL when n is 0), then the lines of extra
 * and the targets' reasons.
 */
void update_report(FILE *f, int json, const char *result, const struct target *t, int n,
		   const char *extra);
/* The group's result: applied only if every target applied it. */
const char *update_group_result(const struct target *t, int n);

/* update_barrier.c */

/* The stacks of the targets at the check barrier, parsed (stacks_parse()). */
struct stacks {
	char *text;			/* every target's stacks, one after the other */
	struct cons_thread *th;		/* their strings point into text */
	struct cons_frame *fr;
};

/*
 * Every one of the n targets' stacks (format in upstare-ctl.h) into one
 * snap: the constraints hold on the threads of all processes at once.
 * With cf, a frame the patch cannot convert adds its point to cf's
 * automatic constraints.  0, or -errno; stacks_free() frees s either way.
 */
int stacks_parse(struct stacks *s, const struct target *t, int n, struct cons_file *cf,
		 struct cons_snapshot *snap);
void stacks_free(struct stacks *s);

/*
 * At the check barrier of partial update p, on the stacks the n targets
 * describe there (c.stacks): go on (0), or refuse (1, with the reasons in
 * p->refusal).  h: the patch is read with the client's rights.
 */
int partial_verdict(struct partial *p, const struct target *t, int n,
		    const struct update_hooks *h);

#endif
