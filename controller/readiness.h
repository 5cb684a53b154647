/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readiness of a process's threads for an update, with a reason, from a
 * BPF snapshot symbolized with libdwfl and joined with .upstare metadata.
 */
#ifndef UPSTARE_READINESS_H
#define UPSTARE_READINESS_H

#include <stdbool.h>
#include <stdio.h>
#include <linux/types.h>
#include "../bpf/observe.h"
#include "json.h"

/*
 * Append to b the JSON array of pid's threads (see upstarectl(8) for the
 * fields).  kick_sig is the signal the update sends to blocked threads.
 * Without addrs, no raw address (frames' "addr", "mutex", in reasons):
 * those go to root only (Documentation/security.rst).
 */
int readiness_threads_json(struct jbuf *b, __u32 pid, const struct us_thread_rec *recs,
			   int n, int kick_sig, bool addrs);

/*
 * How many of pid's threads are not ready; for each, one line "pid P
 * thread TID (COMM): CLASS: REASON" in why (may be NULL).  -errno on error.
 */
int readiness_not_ready(__u32 pid, const struct us_thread_rec *recs, int n, int kick_sig,
			bool addrs, FILE *why);

const char *syscall_name(long nr);

/* The runtime's control block of a process (libupstare), as far as observing goes. */
struct update_state {
	unsigned int phase, generation, nthreads, nparked, nresumed, result;
	int update_signal;
};

/* -ENOENT when the process has no control block (not linked with libupstare). */
int readiness_update_state(__u32 pid, struct update_state *st);
const char *update_phase_name(unsigned int phase);

#endif
