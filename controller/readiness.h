/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Readiness of a process's threads for an update, with a reason, from a
 * BPF snapshot symbolized with libdwfl and joined with .upstare metadata.
 */
#ifndef UPSTARE_READINESS_H
#define UPSTARE_READINESS_H

#include <linux/types.h>
#include "../bpf/observe.h"
#include "json.h"

/*
 * Append to b the JSON array of pid's threads (see upstarectl(8) for the
 * fields).  kick_sig is the signal the update sends to blocked threads.
 */
int readiness_threads_json(struct jbuf *b, __u32 pid, const struct us_thread_rec *recs,
			   int n, int kick_sig);

const char *syscall_name(long nr);

#endif
