// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The transition from one version to the next: the protocol of an update,
 * and the only code that writes the control block's phase.
 *
 * A controller writes a request into upstare_control (upstare-ctl.h), sets
 * __upstare_pending and signals the threads inside a wrapped blocking call
 * (upstare_threads[]).  The first thread that then reaches an update point
 * becomes the leader.  It loads and verifies the patch while every other
 * thread keeps running (prepare), so a refused patch never stops anything.
 * Then it opens the quiesce phase and kicks the blocked threads again: each
 * one unwinds from its next update point (a loop head, a function entry, or
 * a blocking call interrupted by the signal) to its entry wrapper, where it
 * parks on a futex.  When every thread is parked (try_complete) the leader
 * runs the transformers (globals, then every saved frame, converted to the
 * new functions by name and continuation key) and commits: every thread
 * rebuilds its stack in the new code.  A failing transformer, or the
 * deadline passed before the commit (threads not parked, no verdict, a
 * transformer still running: transform.c interrupts it), makes it roll
 * back: the saved frames are rebuilt in the old code, as if nothing had
 * been attempted.  The commit is the point of no return; the rebuild after
 * it runs no user code and waits for nothing.
 *
 * The verbs, in the order they run: prepare(), quiesce(), try_complete(),
 * then commit() or rollback(); finish() when the last thread is back.
 * Below it: the patch (patch.c), the transformers (transform.c), the
 * registry and the control block; above it, the update points, the
 * wrappers and the thread entries (transition.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "transition.h"
#include "upstare.h"

/* The update in progress: its patch, and its result (the leader's until it decides). */
static struct upstare_patch *patch;
static unsigned outcome;

/*
 * A group update: the patch is loaded and checked here; wait, with every
 * other thread running, until every process of the group is (the
 * controller's GO), so that no process parks its threads while another
 * still loads the patch.  0 to go on; else the reason is given.
 */
static __attribute__((noinline)) int await_go(void)
{
	struct upstare_control *const cb = &upstare_control;
	uint64_t deadline = cb->t_ns[UPSTARE_T_REQUEST] + cb->timeout_ms * 1000000ull;
	uint32_t d;

	__atomic_store_n(&cb->phase, UPSTARE_PH_PREPARED, __ATOMIC_SEQ_CST);
	while ((d = __atomic_load_n(&cb->decision, __ATOMIC_ACQUIRE)) == UPSTARE_DECIDE_NONE) {
		uint64_t t = upstare__mono_ns();

		if (t >= deadline) {
			upstare__reason("the other processes of the group were not all prepared "
					"before the deadline (%u ms after the request)", cb->timeout_ms);
			return -ETIMEDOUT;
		}
		upstare__futex_wait(&cb->decision, UPSTARE_DECIDE_NONE,
			   deadline - t < 1000000 ? (long)(deadline - t) : 1000000);
	}
	if (d != UPSTARE_DECIDE_GO) {
		upstare__reason("the controller aborted the update (another process of the group "
				"could not be updated)");
		return -ECANCELED;
	}
	__atomic_store_n(&cb->decision, UPSTARE_DECIDE_NONE, __ATOMIC_SEQ_CST);
	return 0;
}

/*
 * The request is answered before the phase goes back to idle: a thread at
 * an update point that saw the phase idle with the request still not
 * acknowledged would take the same request again as a new update (the
 * patch already applied, then refused for its base build id: pause-bench
 * saw this between two updates of a chain).
 */
static void finish(unsigned result)
{
	struct upstare_control *const cb = &upstare_control;

	cb->result = result;
	cb->t_ns[UPSTARE_T_RESUMED] = upstare__mono_ns();
	if (!upstare__selftest)
		__upstare_pending = 0;
	__atomic_store_n(&cb->ack, cb->request, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cb->phase, UPSTARE_PH_IDLE, __ATOMIC_SEQ_CST);
	upstare__futex_wake(&cb->phase);
}

/*
 * This thread took the request (the phase went from idle to PREPARE): load
 * and check the patch while every thread runs.  0 to go on; else the
 * update is refused, and over.
 */
static int prepare(void)
{
	struct upstare_control *const cb = &upstare_control;

	memset(cb->t_ns, 0, sizeof(cb->t_ns));
	cb->t_ns[UPSTARE_T_REQUEST] = upstare__mono_ns();
	cb->reasons[0] = 0;
	cb->nparked = cb->nresumed = 0;
	patch = upstare__patch_load();
	if (!patch)
		goto refuse;
	if (upstare__check_moves() || upstare__patch_plan())
		goto unload;
	cb->t_ns[UPSTARE_T_PREPARED] = upstare__mono_ns();
	if (cb->group && await_go())
		goto unload;
	return 0;
unload:
	upstare__patch_unload();
refuse:
	finish(UPSTARE_RES_REFUSED);
	return -1;
}

/* The patch is ready: this thread leads, and every other one is to park. */
static void quiesce(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;

	ts->parked = -1;	/* the leader */
	__atomic_store_n(&cb->phase, UPSTARE_PH_QUIESCE, __ATOMIC_SEQ_CST);
	upstare__kick_unparked();
}

int upstare__update_point(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;
	uint32_t ph;

	if (ts->nr_depth || ts->in_runtime || ts->unwinding || ts->rebuilding || !ts->registered)
		return 0;
	ph = __atomic_load_n(&cb->phase, __ATOMIC_ACQUIRE);
	if (ph == UPSTARE_PH_IDLE) {
		uint32_t idle = UPSTARE_PH_IDLE;

		if (__atomic_load_n(&cb->request, __ATOMIC_ACQUIRE) == cb->ack)
			return 0;
		if (!__atomic_compare_exchange_n(&cb->phase, &idle, UPSTARE_PH_PREPARE, 0,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
		/* the controller withdraws a request nobody took by its deadline */
		if (__atomic_load_n(&cb->request, __ATOMIC_SEQ_CST) == cb->ack) {
			__atomic_store_n(&cb->phase, UPSTARE_PH_IDLE, __ATOMIC_SEQ_CST);
			return 0;
		}
		if (prepare())
			return 0;
		quiesce();
	} else if (ph != UPSTARE_PH_QUIESCE) {
		return 0;
	}
	ts->unwinding = 1;
	ts->update_unwind = 1;
	return 1;
}

/*
 * The names come from the installed kernel headers (gen/syscalls.h), the
 * table the controller's readiness view uses: one list of system calls.
 */
#include "syscalls.h"

static const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= (long)(sizeof(syscall_names) / sizeof(syscall_names[0])))
		return NULL;
	return syscall_names[nr];
}

/* An unparked thread, as the registry had it when the update gave up. */
struct unparked {
	pid_t tid;
	int nr_depth;
};

#define UNPARKED_MAX 64	/* threads named in the reasons; the others are counted */

/* Under the registry's lock: the threads not parked, into v (*more beyond). */
static unsigned collect_unparked(struct unparked *v, unsigned *more)
{
	unsigned n = 0;

	*more = 0;
	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		if (t->parked)
			continue;
		if (n < UNPARKED_MAX)
			v[n++] = (struct unparked){ t->tid, t->nr_depth };
		else
			(*more)++;
	}
	return n;
}

/*
 * Why each of them did not park, from /proc: after the registry's lock is
 * released, so that threads still running do not spin on it meanwhile.
 */
static void unparked_reasons(const struct unparked *v, unsigned n, unsigned more)
{
	for (unsigned i = 0; i < n; i++) {
		char path[96], comm[64] = "?", buf[4096];
		unsigned long long blk = 0;
		long sc = -1;
		FILE *f;

		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", v[i].tid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", v[i].tid);
		if ((f = fopen(path, "re"))) {
			while (fgets(buf, sizeof(buf), f))
				if (!strncmp(buf, "SigBlk:", 7))
					blk = strtoull(buf + 7, NULL, 16);
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", v[i].tid);
		if ((f = fopen(path, "re"))) {
			if (fgets(buf, sizeof(buf), f) && buf[0] >= '0' && buf[0] <= '9')
				sc = strtol(buf, NULL, 10);
			fclose(f);
		}
		upstare__reason("pid %d thread %d (%s): did not reach an update point%s%s%s",
		       getpid(), v[i].tid, comm,
		       v[i].nr_depth ? ", inside a frame that cannot be rebuilt (signal handler, "
		       "callback from library code, setjmp)" : "",
		       sc < 0 ? "" : syscall_name(sc) ?
		       (snprintf(buf, sizeof(buf), ", blocked in %s()", syscall_name(sc)), buf) :
		       (snprintf(buf, sizeof(buf), ", blocked in system call %ld", sc), buf),
		       blk & (1ull << (upstare__update_signal() - 1)) ?
		       ", with the update signal blocked" : "");
	}
	if (more)
		upstare__reason("pid %d: %u more threads did not reach an update point", getpid(),
				more);
}

/*
 * Under the registry's lock: the update is given up with outcome res.
 * The threads that did not park are noted, the lock released, and only
 * then is why written, with what /proc says of each of them.
 */
static int give_up(unsigned res, const char *why)
{
	struct unparked v[UNPARKED_MAX];
	unsigned more, n = collect_unparked(v, &more);

	outcome = res;
	__atomic_store_n(&upstare_control.phase, UPSTARE_PH_ROLLBACK, __ATOMIC_SEQ_CST);
	upstare__registry_unlock();
	upstare__reason("%s", why);
	unparked_reasons(v, n, more);
	return 0;
}

/*
 * Describe every parked thread's saved stack in cb.stacks for the
 * controller's check (format in upstare-ctl.h).  The records are chained
 * outermost first (unwinding pushes the innermost first).  Returns 0, or
 * -ENOSPC when it does not fit: then no check can be made.
 */
static int write_stacks(void)
{
	struct upstare_control *const cb = &upstare_control;
	size_t off = 0, cap = sizeof(cb->stacks);
	int n;

	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		struct frame *v[512];
		char path[64], comm[32] = "";
		size_t nf = 0;
		ssize_t len;
		int fd;

		if (!t->parked)
			continue;
		for (struct frame *fr = t->top; fr; fr = fr->next) {
			if (nf == sizeof(v) / sizeof(v[0]))
				return -ENOSPC;
			v[nf++] = fr;
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", t->tid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			len = read(fd, comm, sizeof(comm) - 1);
			comm[len > 0 ? len : 0] = 0;
			comm[strcspn(comm, "\n\t")] = 0;
			close(fd);
		}
		n = snprintf(cb->stacks + off, cap - off, "thread\t%d\t%s\t%s\n", t->tid,
			     nf ? v[0]->hdr.fd->name : "", comm);
		if (n < 0 || (size_t)n >= cap - off)
			return -ENOSPC;
		off += n;
		for (size_t i = nf; i-- > 0;) {
			const struct __upstare_fdesc *fd = v[i]->hdr.fd;
			const struct __upstare_cp *cp = v[i]->hdr.cp < fd->ncps ?
							&fd->cps[v[i]->hdr.cp] : NULL;

			const char *why = upstare__unmappable(v[i]);

			n = snprintf(cb->stacks + off, cap - off, "frame\t%s\t%s\t%u\t%s\t%s\n",
				     fd->name, fd->file ? fd->file : "", cp ? cp->line : 0,
				     cp ? cp->key : "", why ? why : "");
			if (n < 0 || (size_t)n >= cap - off)
				return -ENOSPC;
			off += n;
		}
	}
	return 0;
}

/*
 * Group update: every process of the group is transformed and waits for
 * the controller's decision.  Nonzero means abort.  Polled: the controller
 * is another process and cannot wake a private futex.
 */
static int group_decision(void)
{
	struct upstare_control *const cb = &upstare_control;
	uint64_t deadline = upstare__mono_ns() + (cb->timeout_ms + 10000ull) * 1000000ull;
	uint32_t d;

	if (!cb->group)
		return 0;
	__atomic_store_n(&cb->phase, UPSTARE_PH_READY, __ATOMIC_SEQ_CST);
	while ((d = __atomic_load_n(&cb->decision, __ATOMIC_ACQUIRE)) == UPSTARE_DECIDE_NONE) {
		if (upstare__mono_ns() > deadline) {
			upstare__reason("no decision from the controller of the group update");
			return -ETIMEDOUT;
		}
		usleep(200);
	}
	if (d != UPSTARE_DECIDE_COMMIT) {
		upstare__reason("the controller aborted the update (a check failed, or another "
		       "process of the group could not be updated)");
		return -ECANCELED;
	}
	return 0;
}

/*
 * Every thread is parked and the controller asked to check their stacks:
 * describe them and wait for its verdict until the deadline.  Returns 1 to
 * go on with the update, 0 when it must not happen (reason given).
 */
static int await_verdict(uint64_t deadline)
{
	struct upstare_control *const cb = &upstare_control;
	uint32_t v;

	memset(cb->stacks, 0, sizeof(cb->stacks));
	if (write_stacks()) {
		memset(cb->stacks, 0, sizeof(cb->stacks));
		upstare__reason("the stacks of the parked threads do not fit in the control block: "
		       "the constraints cannot be checked");
		return 0;
	}
	__atomic_store_n(&cb->verdict, UPSTARE_VERDICT_NONE, __ATOMIC_SEQ_CST);
	__atomic_store_n(&cb->phase, UPSTARE_PH_CHECK, __ATOMIC_SEQ_CST);
	/* the controller writes with process_vm_writev: it cannot wake a futex */
	while (!(v = __atomic_load_n(&cb->verdict, __ATOMIC_ACQUIRE))) {
		uint64_t t = upstare__mono_ns();

		if (t >= deadline) {
			upstare__reason("no verdict from the controller on the stacks before the "
			       "deadline");
			return 0;
		}
		upstare__futex_wait(&cb->verdict, 0, deadline - t < 1000000 ? (long)(deadline - t) :
					     1000000);
	}
	if (v != UPSTARE_VERDICT_GO)
		upstare__reason("released by the controller: the constraints do not hold");
	return v == UPSTARE_VERDICT_GO;
}

/* The transformers all returned, but after the deadline: do not commit. */
static int deadline_passed(uint64_t deadline)
{
	struct upstare_control *const cb = &upstare_control;

	if (upstare__mono_ns() < deadline)
		return 0;
	upstare__reason("the deadline (%u ms after the request) passed in the transform phase",
			cb->timeout_ms);
	return -ETIMEDOUT;
}

/*
 * The leader, parked: wait until every thread is parked and, when the
 * controller asked to check their stacks, for its verdict.  1 to transform;
 * 0 when the update was given up (the threads released: the phase is
 * ROLLBACK, the reasons given).
 */
static int try_complete(uint64_t deadline)
{
	struct upstare_control *const cb = &upstare_control;
	uint64_t last_kick = upstare__mono_ns();
	char why[160];

	for (;;) {
		uint32_t seen = __atomic_load_n(&cb->nparked, __ATOMIC_ACQUIRE);
		uint64_t t = upstare__mono_ns();

		upstare__registry_lock();
		if (cb->nparked == cb->nthreads) {
			cb->t_ns[UPSTARE_T_ALL_PARKED] = t;
			upstare__registry_unlock();
			if (cb->check && !await_verdict(deadline)) {
				cb->t_ns[UPSTARE_T_CHECKED] = upstare__mono_ns();
				outcome = cb->verdict == UPSTARE_VERDICT_RELEASE ?
					  UPSTARE_RES_RELEASED : UPSTARE_RES_TIMEOUT;
				__atomic_store_n(&cb->phase, UPSTARE_PH_ROLLBACK, __ATOMIC_SEQ_CST);
				return 0;
			}
			cb->t_ns[UPSTARE_T_CHECKED] = cb->check ? upstare__mono_ns() : t;
			__atomic_store_n(&cb->phase, UPSTARE_PH_TRANSFORM, __ATOMIC_SEQ_CST);
			return 1;
		}
		if (t >= deadline) {
			snprintf(why, sizeof(why), "timed out after %u ms waiting for threads to "
				 "reach an update point", cb->timeout_ms);
			return give_up(UPSTARE_RES_TIMEOUT, why);
		}
		if (cb->group && __atomic_load_n(&cb->decision, __ATOMIC_ACQUIRE) ==
				UPSTARE_DECIDE_ABORT) {
			/* another process of the group could not park (or failed):
			 * no use holding these threads */
			upstare__reason("the controller aborted the update while %u of %u threads "
					"were parked (another process of the group could not "
					"be updated): they were released", cb->nparked,
					cb->nthreads);
			outcome = UPSTARE_RES_RELEASED;
			__atomic_store_n(&cb->phase, UPSTARE_PH_ROLLBACK, __ATOMIC_SEQ_CST);
			upstare__registry_unlock();
			return 0;
		}
		if (cb->park_ms && cb->nparked &&
		    t - cb->t_ns[UPSTARE_T_FIRST_PARK] >= cb->park_ms * 1000000ull) {
			/*
			 * Not every thread parked within the park budget
			 * (cb.park_ms) after the first one did: the parked
			 * ones go back to work in the old code now, rather
			 * than wait for the others until the deadline, and
			 * the controller asks again.  So no thread stalls
			 * much longer than the budget.
			 */
			snprintf(why, sizeof(why), "not every thread parked within %u ms of the "
				 "first: the %u parked were released", cb->park_ms, cb->nparked);
			return give_up(UPSTARE_RES_RELEASED, why);
		}
		upstare__registry_unlock();
		if (t - last_kick > 10000000ull) {
			upstare__kick_unparked();
			last_kick = t;
		}
		upstare__futex_wait(&cb->nparked, seen, cb->park_ms ? 1000000 : 2000000);
	}
}

/*
 * Everything that runs user code or waits comes before the commit, under
 * the deadline; from upstare__commit_functions() on (the point of no
 * return) the rebuild runs runtime code only and waits for nothing.
 * Nonzero: roll back.
 */
static int transform(uint64_t deadline)
{
	return upstare__transform_begin(deadline) || upstare__transform_globals() ||
	       upstare__transform_frames() || upstare__transform_heap() ||
	       upstare__run_hooks(UPSTARE_XF_PRE_COMMIT) || deadline_passed(deadline) ||
	       group_decision();
}

/* The saved frames are rebuilt in the old code: the phase to set. */
static unsigned rollback(void)
{
	upstare__run_hooks(UPSTARE_XF_ON_ROLLBACK);
	upstare__transform_end(1);
	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		upstare__free_frames(t->newtop);
		t->newtop = NULL;
	}
	outcome = UPSTARE_RES_ROLLED_BACK;
	return UPSTARE_PH_ROLLBACK;
}

/* The point of no return: the converted frames are rebuilt in the new code. */
static unsigned commit(void)
{
	struct upstare_control *const cb = &upstare_control;

	upstare__transform_end(0);
	upstare__commit_functions();
	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		if (!t->parked)
			continue;
		upstare__free_frames(t->top);
		t->top = t->newtop;
		t->newtop = NULL;
	}
	/* every thread parked, nothing moves: old versions are unmapped
	 * here or not at all */
	upstare__retire_patches();
	memcpy(cb->build_id, patch->build_id, sizeof(cb->build_id));
	cb->generation++;
	outcome = UPSTARE_RES_APPLIED;
	return UPSTARE_PH_REBUILD;
}

/* The leader, parked: wait for everyone, transform, decide. */
static void lead(void)
{
	struct upstare_control *const cb = &upstare_control;
	uint64_t deadline = cb->t_ns[UPSTARE_T_REQUEST] + cb->timeout_ms * 1000000ull;
	unsigned decision;

	if (try_complete(deadline)) {
		decision = transform(deadline) ? rollback() : commit();
		cb->t_ns[UPSTARE_T_TRANSFORMED] = upstare__mono_ns();
		__atomic_store_n(&cb->phase, decision, __ATOMIC_SEQ_CST);
	}
	upstare__futex_wake(&cb->phase);
}

void upstare__park(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;
	int leader = ts->parked == -1;
	uint32_t ph;

	ts->update_unwind = 0;
	ts->park_sp = __builtin_frame_address(0);
	ts->park_sh_top = __upstare_sh_top;
	upstare__registry_lock();
	ph = cb->phase;
	if (ph == UPSTARE_PH_QUIESCE) {
		ts->parked = 1;
		if (!cb->nparked++)
			cb->t_ns[UPSTARE_T_FIRST_PARK] = upstare__mono_ns();
	} else {
		ts->parked = 0;	/* too late: the update was abandoned */
	}
	upstare__registry_unlock();
	upstare__futex_wake(&cb->nparked);
	if (!ts->parked)
		return;
	if (leader)
		lead();
	while ((ph = __atomic_load_n(&cb->phase, __ATOMIC_ACQUIRE)) == UPSTARE_PH_QUIESCE ||
	       ph == UPSTARE_PH_TRANSFORM || ph == UPSTARE_PH_READY || ph == UPSTARE_PH_CHECK)
		upstare__futex_wait(&cb->phase, ph, 0);
}

void upstare__rebuilt(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;

	if (ts->parked != 1)
		return;
	ts->parked = 0;
	if (__atomic_add_fetch(&cb->nresumed, 1, __ATOMIC_SEQ_CST) != cb->nparked)
		return;
	/* the last thread back: the update is over */
	if (outcome != UPSTARE_RES_APPLIED)
		upstare__patch_unload();
	upstare__patch_release();
	finish(outcome);
}

/* A forked child (entry.c): no update in progress, the request answered. */
void upstare__transition_after_fork(void)
{
	struct upstare_control *const cb = &upstare_control;

	cb->phase = UPSTARE_PH_IDLE;
	cb->ack = cb->request;
}
