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
 *
 * The registry is shared by every user: a uid other than root holds at
 * most uid_procs entries, and all of them together leave US_ROOT_RESERVE
 * to root, so that a user forking instrumented children cannot keep root's
 * servers out.  The counts are kept here alone: upstared registers and
 * unregisters through the syscall programs below.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "observe.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

/* errno values (vmlinux.h has none) */
#define ENOENT	2
#define ENOMEM	12
#define ENOSPC	28
#define EDQUOT	122

/* Shared with window.bpf.o (maps.bpf.h). */
US_PROCS_MAP;

/* Entries per uid other than root, and of all of them. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, US_MAX_PROCS);
	__type(key, __u32);
	__type(value, __u32);
} uids SEC(".maps");

const volatile __u32 uid_procs = US_UID_PROCS_DEFAULT;
__u32 nonroot;

/* Count one more entry of uid: 0, or -EDQUOT / -ENOSPC / -ENOMEM. */
static int admit(__u32 uid)
{
	__u32 zero = 0, *n;

	if (!uid)
		return 0;
	n = bpf_map_lookup_elem(&uids, &uid);
	if (!n) {
		bpf_map_update_elem(&uids, &uid, &zero, BPF_NOEXIST);
		n = bpf_map_lookup_elem(&uids, &uid);
		if (!n)
			return -ENOMEM;
	}
	if (__sync_fetch_and_add(n, 1) >= uid_procs) {
		__sync_fetch_and_sub(n, 1);
		return -EDQUOT;
	}
	if (__sync_fetch_and_add(&nonroot, 1) >= US_MAX_PROCS - US_ROOT_RESERVE) {
		__sync_fetch_and_sub(&nonroot, 1);
		__sync_fetch_and_sub(n, 1);
		return -ENOSPC;
	}
	return 0;
}

static void release(__u32 uid)
{
	__u32 *n;

	if (!uid)
		return;
	n = bpf_map_lookup_elem(&uids, &uid);
	if (n)
		__sync_fetch_and_sub(n, 1);
	__sync_fetch_and_sub(&nonroot, 1);
}

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
	np.uid = BPF_CORE_READ(child, real_cred, uid.val);
	if (admit(np.uid)) {
		emit(US_EV_FORK, ctgid, ptgid, 0, child);	/* over its limit */
		return 0;
	}
	if (bpf_map_update_elem(&procs, &ctgid, &np, BPF_NOEXIST)) {
		release(np.uid);
		return 0;
	}
	emit(US_EV_FORK, ctgid, ptgid, 1, child);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(us_exit, struct task_struct *task, bool group_dead)
{
	__u32 tgid = task->tgid, uid;
	struct us_proc *p;

	if (!group_dead)
		return 0;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p)
		return 0;
	uid = p->uid;
	if (bpf_map_delete_elem(&procs, &tgid))
		return 0;	/* unregistered meanwhile: counted there */
	release(uid);
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

/* upstared registers a process (exec of an instrumented binary, attach). */
SEC("syscall")
int us_register(struct us_reg *r)
{
	struct us_proc np = { .parent = r->parent, .kick_sig = r->kick_sig, .uid = r->uid };
	__u32 pid = r->pid;
	int err = admit(np.uid);

	if (!err) {
		err = bpf_map_update_elem(&procs, &pid, &np, BPF_NOEXIST);
		if (err)
			release(np.uid);
	}
	r->err = err;
	return 0;
}

SEC("syscall")
int us_unregister(struct us_reg *r)
{
	__u32 pid = r->pid, uid;
	struct us_proc *p = bpf_map_lookup_elem(&procs, &pid);

	r->err = -ENOENT;
	if (!p)
		return 0;
	uid = p->uid;
	if (bpf_map_delete_elem(&procs, &pid))
		return 0;
	release(uid);
	r->err = 0;
	return 0;
}
