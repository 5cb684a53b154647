/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The maps two BPF objects share: each object that uses one defines it
 * with the macro here, and upstared gives the second object the first
 * one's fd before loading it (bpf_map__reuse_fd), so the definitions must
 * be the same: they are written once.
 *
 *	US_PROCS_MAP;		lifecycle.bpf.c, window.bpf.c: registered processes
 *	US_THREAD_STATE_MAP;	window.bpf.c, snapshot.bpf.c: each thread's state
 */
#ifndef UPSTARE_MAPS_BPF_H
#define UPSTARE_MAPS_BPF_H

#include "observe.h"

#define US_PROCS_MAP							\
	struct {							\
		__uint(type, BPF_MAP_TYPE_HASH);			\
		__uint(max_entries, US_MAX_PROCS);			\
		__type(key, __u32);					\
		__type(value, struct us_proc);				\
	} procs SEC(".maps")

#define US_THREAD_STATE_MAP						\
	struct {							\
		__uint(type, BPF_MAP_TYPE_TASK_STORAGE);		\
		__uint(map_flags, BPF_F_NO_PREALLOC);			\
		__type(key, int);					\
		__type(value, struct us_thread_state);			\
	} thread_state SEC(".maps")

#endif
