// SPDX-License-Identifier: GPL-2.0
/*
 * Update window: attached only while an update is being brought about, so
 * that outside a window no system call or context switch on the machine
 * runs any of this.
 *
 * A window opens with a new kick generation in the process's procs entry.
 * Each thread is signalled at most once per generation: the kick round
 * (us_kick, a task iterator over the target's threads) signals those that
 * are already in the kernel, and us_sys_enter signals any thread of the
 * process that enters a system call afterwards, so a thread that was
 * running during the round is interrupted as soon as it blocks.  Both claim
 * the thread with a compare-and-swap on its task storage, so no thread is
 * missed and none is signalled twice.  us_switch records when each thread
 * of a windowed process went off CPU, so the controller sees threads park
 * without polling them.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "observe.h"
#include "nstid.bpf.h"
#include "maps.bpf.h"
#include "upstare-slot.h"

char LICENSE[] SEC("license") = "GPL";

/* Shared with lifecycle.bpf.o and snapshot.bpf.o (maps.bpf.h). */
US_PROCS_MAP;
US_THREAD_STATE_MAP;

#define TASK_RUNNING	0

extern int bpf_send_signal_task(struct task_struct *task, int sig,
				enum pid_type type, u64 value) __ksym;

/* Claim the thread for generation gen; true if this caller must signal it. */
static bool claim(struct task_struct *task, __u32 gen)
{
	struct us_thread_state *ts;
	__u32 old;

	ts = bpf_task_storage_get(&thread_state, task, NULL,
				  BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!ts)
		return false;
	old = ts->kicked_gen;
	if (old == gen)
		return false;
	return __sync_val_compare_and_swap(&ts->kicked_gen, old, gen) == old;
}

/* Finding the current thread's slot in the runtime's upstare_threads[]. */
struct slot_find {
	__u64 addr;
	__s32 tid;
	__u32 blocking;
};

static long slot_cb(__u32 i, void *arg)
{
	struct slot_find *f = arg;
	struct upstare_thread_slot s;

	/* the current thread's own memory: the table is in its .bss */
	if (bpf_probe_read_user(&s, sizeof(s), (void *)(f->addr + i * sizeof(s))))
		return 1;
	if (s.tid != f->tid)
		return 0;
	f->blocking = s.blocking;
	return 1;
}

/* Gated window: is the current thread inside a wrapped blocking call? */
static bool in_wrapper(const struct us_proc *p)
{
	struct slot_find f = {
		.addr = p->slots_addr,
		/* the runtime's tids are its own namespace's */
		.tid = (__s32)task_ns_tid(bpf_get_current_task_btf()),
	};
	__u32 n = p->nslots;

	if (n > UPSTARE_MAX_THREADS)
		n = UPSTARE_MAX_THREADS;
	bpf_loop(n, slot_cb, &f, 0);
	return f.blocking;
}

SEC("tp_btf/sys_enter")
int BPF_PROG(us_sys_enter, struct pt_regs *regs, long id)
{
	struct task_struct *task = bpf_get_current_task_btf();
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct us_proc *p = bpf_map_lookup_elem(&procs, &tgid);
	__u32 gen;

	if (!p)
		return 0;
	gen = p->kick_gen;
	if (!gen)
		return 0;
	if (p->slots_addr && !in_wrapper(p))
		return 0;
	if (!claim(task, gen))
		return 0;
	if (!bpf_send_signal_thread(p->kick_sig))
		__sync_fetch_and_add(&p->kicks, 1);
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(us_switch, bool preempt, struct task_struct *prev,
	     struct task_struct *next, unsigned int prev_state)
{
	struct us_thread_state *ts;
	__u32 tgid = prev->tgid;
	struct us_proc *p = bpf_map_lookup_elem(&procs, &tgid);

	if (p && p->kick_gen) {
		ts = bpf_task_storage_get(&thread_state, prev, NULL,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
		if (ts) {
			ts->off_cpu_ns = bpf_ktime_get_ns();
			ts->off_state = prev_state;
		}
		__sync_fetch_and_add(&p->switches, 1);
	}
	tgid = next->tgid;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (p && p->kick_gen) {
		ts = bpf_task_storage_get(&thread_state, next, NULL, 0);
		if (ts)
			ts->off_cpu_ns = 0;
	}
	return 0;
}

/*
 * Kick round: run with the iterator bound to the target's pid.  Signals
 * every thread that is in the kernel (blocked or on its way there); a
 * thread running in user space is left to us_sys_enter and to its own
 * update points.  In a gated window (slots_addr) the round is upstared's.
 */
SEC("iter/task")
int us_kick(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct us_proc *p;
	__u32 tgid, gen;

	if (!task)
		return 0;
	tgid = task->tgid;
	p = bpf_map_lookup_elem(&procs, &tgid);
	if (!p || !(gen = p->kick_gen))
		return 0;
	if (p->slots_addr)	/* gated: upstared kicks from the runtime's table */
		return 0;
	if (task->__state == TASK_RUNNING)
		return 0;
	if (!claim(task, gen))
		return 0;
	if (!bpf_send_signal_task(task, p->kick_sig, PIDTYPE_PID, 0))
		__sync_fetch_and_add(&p->kicks, 1);
	return 0;
}
