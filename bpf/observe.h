/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Types shared by the BPF programs (the .bpf.c files in bpf/) and upstared
 * (controller/bpfobs.c).  Fixed-width types only, so both sides agree.
 */
#ifndef UPSTARE_OBSERVE_H
#define UPSTARE_OBSERVE_H

#define US_MAX_PROCS	4096
/*
 * Registry limits: a uid other than root registers at most
 * US_UID_PROCS_DEFAULT processes (upstared --max-procs-per-uid), and all of
 * them together leave US_ROOT_RESERVE entries to root.
 */
#define US_UID_PROCS_DEFAULT	1024
#define US_ROOT_RESERVE		512
#define US_MAX_FRAMES	48
#define US_COMM_LEN	16
#define US_STACK_WORDS	256	/* raw words copied from the user sp */

/* procs map: key = tgid of a registered process. */
struct us_proc {
	__u32 parent;		/* tgid it was forked from (0: attached by hand or on exec) */
	__u32 kick_gen;		/* update window's kick generation; 0 = no window */
	__u32 kick_sig;		/* signal that interrupts blocking calls */
	__u32 nslots;		/* gated window: upstare_threads[] slots in use */
	__u64 kicks;		/* signals sent by sys_enter and the kick round */
	__u64 switches;		/* context switches seen during the window */
	/*
	 * Gated window (an update through upstared): the target's
	 * upstare_threads[] address.  Only a thread whose slot there says it is
	 * inside one of libupstare's wrapped blocking calls is signalled, as
	 * the runtime requires (library code would see an EINTR it does not
	 * expect); the kick round is then made by upstared from the same table.
	 * 0: every thread (an observation window, upstarectl window).
	 */
	__u64 slots_addr;
	__u32 uid;		/* real uid when registered: its count (registry limits) */
	__u32 reserved;
};

/*
 * Registration from upstared, through the syscall programs us_register and
 * us_unregister (lifecycle.bpf.c), so that the registry's per-uid counts
 * are kept in one place: the context, err set by the program (0 or
 * -errno: -EDQUOT the uid's limit, -ENOSPC the entries left to root).
 */
struct us_reg {
	__u32 pid, parent, kick_sig, uid;
	__s32 err;
};

enum us_event_type {
	US_EV_FORK = 1,		/* a registered process forked: pid is the child */
	US_EV_EXIT = 2,		/* a registered process's last thread exited */
	US_EV_EXEC = 3,		/* any process exec'd: user space checks for .upstare */
};

struct us_event {
	__u32 type;
	__u32 pid;
	__u32 ppid;
	__u32 registered;	/* US_EV_EXEC: the process was registered before */
	char comm[US_COMM_LEN];
};

/* Per thread, in task storage: what the update window saw. */
struct us_thread_state {
	__u32 kicked_gen;	/* last generation this thread was signalled for */
	__u32 off_state;	/* prev_state at its last switch-out in the window */
	__u64 off_cpu_ns;	/* bpf_ktime_get_ns() of that switch-out; 0 = on CPU */
};

#define US_T_IN_SYSCALL	0x1u	/* syscall/args are valid */
#define US_T_FUTEX_VAL	0x2u	/* futex_val was read */
#define US_T_OWNER	0x4u	/* lock_owner holds the tid at futex word + 8 */
#define US_T_ON_CPU	0x8u	/* running on a CPU now: registers are stale */
#define US_T_WINDOW	0x10u	/* window task storage exists for this thread */
#define US_T_BLOCKED	0x20u	/* off CPU and not runnable: blocked_ns is valid */

/* One record per thread, written by the snapshot iterator. */
struct us_thread_rec {
	__u32 tid;
	__u32 tgid;
	char comm[US_COMM_LEN];
	__u32 state;		/* task->__state */
	__u32 flags;		/* US_T_* */
	__s64 syscall;		/* orig_ax, -1 outside a system call */
	__u64 args[6];
	__u64 ip, sp, bp;
	__u64 sigblocked;	/* task->blocked, signals 1..64 */
	__u64 sigpending;	/* task->pending (thread-directed) */
	__u64 futex_addr;
	__u32 futex_val;
	__u32 lock_owner;
	__u64 runtime_ns;	/* se.sum_exec_runtime */
	__u64 off_cpu_ns;	/* from us_thread_state */
	__u64 blocked_ns;	/* US_T_BLOCKED: time since it went to sleep */
	__u32 kicked_gen;
	__u32 nframes;
	__u64 frames[US_MAX_FRAMES];	/* user return addresses, innermost first */
	/*
	 * The words at the user sp, for user space to find the way out of
	 * library code built without frame pointers (see readiness.c).
	 */
	__u32 nstack;
	__u32 nstid;		/* tid in its own PID namespace: what gettid() gave it */
	__u64 stack[US_STACK_WORDS];
};

#endif
