// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshot of one process's threads, on demand.
 *
 * A sleepable task iterator, bound by upstared to the target's pid, writes
 * one us_thread_rec per thread: scheduler state, the system call the
 * thread is in and its arguments (from the registers saved at kernel
 * entry), for a futex wait the word's value and, when the value is 2 (a
 * contended glibc mutex), the owner's tid that glibc keeps 8 bytes after
 * the word, and the user stack walked through frame pointers (every
 * instrumented program is built with them), plus the words at the stack
 * pointer for the frames of libraries built without frame pointers.  The target does nothing for
 * this: it is read while it sleeps, or as it was at its last kernel entry
 * when it runs.
 *
 * How long a sleeping thread has been blocked comes from the scheduler
 * alone, with nothing attached: se.exec_start is the run queue's task clock
 * (rq->clock_task) when the thread's runtime was last accounted, which for
 * a thread that is off the CPU is when it was switched out.  The run queue
 * of the CPU it last ran on (reached through se.cfs_rq, which needs
 * CONFIG_FAIR_GROUP_SCHED) gives the clock to subtract it from; that
 * clock only advances when something updates it, and an idle CPU without
 * ticks does not, so the time since its last update is added, measured
 * against the clock of the CPU running the iterator (busy running it, so
 * its clock is at most a tick old; the scheduler clock is the same on
 * every CPU when the kernel marks it stable, as on x86 with a stable TSC).
 * The task clock leaves out time stolen by a hypervisor on that CPU.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "observe.h"
#include "nstid.bpf.h"
#include "maps.bpf.h"

char LICENSE[] SEC("license") = "GPL";

#define NR_FUTEX	202	/* x86_64 */
#define PF_KTHREAD	0x00200000
#define FUTEX_CMD_MASK	0x7f
#define FUTEX_WAIT	0
#define FUTEX_WAIT_BITSET 9
#define TASK_RUNNING	0

/* Shared with window.bpf.o (maps.bpf.h). */
US_THREAD_STATE_MAP;

/* The record is too large for the BPF stack. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct us_thread_rec);
} scratch SEC(".maps");

static void read_futex(struct task_struct *task, struct us_thread_rec *r)
{
	__u32 cmd = r->args[1] & FUTEX_CMD_MASK, val, owner;

	if (cmd != FUTEX_WAIT && cmd != FUTEX_WAIT_BITSET)
		return;
	r->futex_addr = r->args[0];
	if (bpf_copy_from_user_task(&val, sizeof(val), (void *)r->futex_addr, task, 0))
		return;
	r->futex_val = val;
	r->flags |= US_T_FUTEX_VAL;
	if (val != 2)
		return;
	if (bpf_copy_from_user_task(&owner, sizeof(owner),
				    (void *)(r->futex_addr + 8), task, 0))
		return;
	r->lock_owner = owner;
	r->flags |= US_T_OWNER;
}

static void walk_stack(struct task_struct *task, struct us_thread_rec *r)
{
	__u64 bp = r->bp, fr[2];
	__u32 n = 1;
	int i;

	r->frames[0] = r->ip;
	for (i = 0; i < US_MAX_FRAMES - 1; i++) {
		if (!bp || (bp & 7))
			break;
		if (bpf_copy_from_user_task(fr, sizeof(fr), (void *)bp, task, 0))
			break;
		if (!fr[1])
			break;
		if (n < US_MAX_FRAMES)
			r->frames[n++] = fr[1];
		if (fr[0] <= bp)	/* callers' frames are at higher addresses */
			break;
		bp = fr[0];
	}
	r->nframes = n;
}

/*
 * The run queue of the CPU a task last ran on, through its CFS run queue
 * (the kernel's runqueues per-CPU symbol cannot be resolved without
 * CONFIG_KALLSYMS_ALL); NULL without CONFIG_FAIR_GROUP_SCHED.
 */
static struct rq *rq_of(struct task_struct *task)
{
	if (!bpf_core_field_exists(task->se.cfs_rq))
		return NULL;
	return BPF_CORE_READ(task, se.cfs_rq, rq);
}

/*
 * Time since a thread that is off the CPU and not runnable went to sleep
 * (see the head comment).  Returns -1 when the run queues cannot be read.
 */
static __s64 blocked_for(struct task_struct *task)
{
	struct rq *trq = rq_of(task), *mrq = rq_of(bpf_get_current_task_btf());
	__u64 exec_start = BPF_CORE_READ(task, se.exec_start);
	__u64 clock, here, clock_task;
	__s64 d, stale = 0;

	if (!trq || !mrq)
		return -1;
	if (bpf_core_read(&clock, sizeof(clock), &trq->clock) ||
	    bpf_core_read(&clock_task, sizeof(clock_task), &trq->clock_task) ||
	    bpf_core_read(&here, sizeof(here), &mrq->clock))
		return -1;
	d = here - clock;
	if (d > 0)
		stale = d;
	d = clock_task - exec_start;
	return (d > 0 ? d : 0) + stale;
}

/* As much of the top of the stack as can be read (a stack may end sooner). */
static void copy_stack(struct task_struct *task, struct us_thread_rec *r)
{
	void *sp = (void *)r->sp;

	if (!bpf_copy_from_user_task(r->stack, sizeof(r->stack), sp, task, 0))
		r->nstack = US_STACK_WORDS;
	else if (!bpf_copy_from_user_task(r->stack, sizeof(r->stack) / 8, sp, task, 0))
		r->nstack = US_STACK_WORDS / 8;
}

SEC("iter.s/task")
int us_snapshot(struct bpf_iter__task *ctx)
{
	struct task_struct *task = ctx->task;
	struct us_thread_state *ts;
	struct us_thread_rec *r;
	struct pt_regs *regs;
	__u32 zero = 0;

	if (!task)
		return 0;
	r = bpf_map_lookup_elem(&scratch, &zero);
	if (!r)
		return 0;
	/* frames[] and stack[] are bounded by nframes and nstack. */
	__builtin_memset(r, 0, __builtin_offsetof(struct us_thread_rec, frames));
	r->tid = task->pid;
	r->nstid = task_ns_tid(task);
	r->tgid = task->tgid;
	bpf_probe_read_kernel_str(r->comm, sizeof(r->comm), task->comm);
	r->state = task->__state;
	if (task->on_cpu)
		r->flags |= US_T_ON_CPU;
	r->sigblocked = task->blocked.sig[0];
	r->sigpending = task->pending.signal.sig[0];
	r->runtime_ns = task->se.sum_exec_runtime;
	if (!task->on_cpu && task->__state != TASK_RUNNING) {
		__s64 b = blocked_for(task);

		if (b >= 0) {
			r->flags |= US_T_BLOCKED;
			r->blocked_ns = b;
		}
	}
	ts = bpf_task_storage_get(&thread_state, task, NULL, 0);
	if (ts) {
		r->flags |= US_T_WINDOW;
		r->kicked_gen = ts->kicked_gen;
		r->off_cpu_ns = ts->off_cpu_ns;
	}
	regs = (struct pt_regs *)bpf_task_pt_regs(task);
	if (regs) {
		r->syscall = regs->orig_ax;
		r->ip = regs->ip;
		r->sp = regs->sp;
		r->bp = regs->bp;
		if (r->syscall >= 0) {
			r->flags |= US_T_IN_SYSCALL;
			r->args[0] = regs->di;
			r->args[1] = regs->si;
			r->args[2] = regs->dx;
			r->args[3] = regs->r10;
			r->args[4] = regs->r8;
			r->args[5] = regs->r9;
			if (r->syscall == NR_FUTEX)
				read_futex(task, r);
		}
		if (!(task->flags & PF_KTHREAD)) {
			walk_stack(task, r);
			copy_stack(task, r);
		}
	}
	bpf_seq_write(ctx->meta->seq, r, sizeof(*r));
	return 0;
}
