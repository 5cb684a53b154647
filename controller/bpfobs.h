/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The BPF side of upstared: loads bpf/lifecycle, bpf/window and
 * bpf/snapshot, keeps the procs registry map, runs snapshots and update
 * windows.  Functions return 0 or a negative errno.
 */
#ifndef UPSTARE_BPFOBS_H
#define UPSTARE_BPFOBS_H

#include <stdbool.h>
#include <linux/types.h>
#include "../bpf/observe.h"

struct obs;

typedef void (*obs_event_fn)(void *ctx, const struct us_event *e);

/*
 * open → load → attach lifecycle; events go to fn.  uid_procs: how many
 * processes a uid other than root may have registered.
 */
int obs_open(struct obs **o, obs_event_fn fn, void *ctx, unsigned uid_procs);
void obs_close(struct obs *o);
int obs_events_fd(struct obs *o);
int obs_poll_events(struct obs *o);	/* consume what is ready */

/*
 * Register pid, counted against uid (its real uid: -EDQUOT when the uid
 * has uid_procs registered, -ENOSPC when only root's reserve is left), or
 * unregister it.
 */
int obs_register(struct obs *o, __u32 pid, __u32 parent, int kick_sig, __u32 uid);
int obs_unregister(struct obs *o, __u32 pid);
unsigned obs_uid_procs(struct obs *o);
int obs_lookup(struct obs *o, __u32 pid, struct us_proc *p);
/* Registered tgids, up to max; returns how many. */
int obs_list(struct obs *o, __u32 *pids, int max);

/* Every thread of pid; *recs is malloc'd. Returns the count or -errno. */
int obs_snapshot(struct obs *o, __u32 pid, struct us_thread_rec **recs);

/*
 * Update window: attach the window programs (if no window is open yet),
 * start kick generation gen+1 for pid and run the kick round.  Returns the
 * new generation.  Closing detaches them when no window remains open.
 */
int obs_window_open(struct obs *o, __u32 pid);
/*
 * The same for an update through upstared: only threads inside one of
 * libupstare's wrapped blocking calls (their upstare_threads[] slot, at
 * slots_addr in the target, says so) are signalled when they enter a
 * system call; no kick round is run (the caller makes it from the table).
 */
int obs_window_open_gated(struct obs *o, __u32 pid, __u64 slots_addr, __u32 nslots);
int obs_window_close(struct obs *o, __u32 pid);
bool obs_window_attached(struct obs *o);
/* A registered process exited (its procs entry is gone): end its window. */
void obs_process_gone(struct obs *o, __u32 pid);

#endif
