// SPDX-License-Identifier: GPL-2.0
/*
 * Lifecycle of registered processes, always attached.
 *
 * upstared registers a process (by hand or when it execs a binary with a
 * .upstare section) by putting its tgid in the procs map.  Threads need no
 * entry: they share the tgid, so they are covered from the moment they
 * exist.  A registered process's children are registered here at fork,
 * before they can run a single instruction, and every entry is removed when
 * the last thread of its process exits, so nothing outlives its target.
 * Every exec on the machine is reported to user space, which decides from
 * the binary whether to register it; exec is rare enough for that to cost
 * nothing measurable.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "observe.h"

char LICENSE[] SEC("license") = "GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, US_MAX_PROCS);
	__type(key, __u32);
	__type(value, struct us_proc);
} procs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static void emit(__u32 type, __u32 pid, __u32 ppid, __u32 registered,
		 struct task_struct *task)
{
	struct us_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e)
		return;
	e->type = type;
	e->pid = pid;
	e->ppid = ppid;
	e->registered = registered;
	BPF_CORE_READ_STR_INTO(&e->comm, task, comm);
	bpf_ringbuf_submit(e, 0);
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(us_fork, struct task_struct *parent, struct task_struct *child)
{
	__u32 ptgid = parent->tgid, ctgid = child->tgid;
	struct us_proc *pp, np = {};

	if (ptgid == ctgid)	/* a new thread: covered by its tgid */
		return 0;
	pp = bpf_map_lookup_elem(&procs, &ptgid);
	if (!pp)
		return 0;
	np.parent = ptgid;
	np.kick_sig = pp->kick_sig;
	bpf_map_update_elem(&procs, &ctgid, &np, BPF_NOEXIST);
	emit(US_EV_FORK, ctgid, ptgid, 1, child);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(us_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = task->tgid;

	if (!group_dead)
		return 0;
	if (bpf_map_delete_elem(&procs, &tgid))
		return 0;
	emit(US_EV_EXIT, tgid, 0, 1, task);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(us_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	__u32 tgid = p->tgid;

	emit(US_EV_EXEC, tgid, 0, bpf_map_lookup_elem(&procs, &tgid) != NULL, p);
	return 0;
}
