// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The thread registry: every thread that runs instrumented code, its
 * state (upstare__ts), its slot in upstare_threads[] (which the controller
 * and window.bpf.c read), and the update signal that kicks it out of a
 * blocking call.  Above the control block only (control.c).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime.h"

struct upstare_thread_slot upstare_threads[UPSTARE_MAX_THREADS]
	__attribute__((used, visibility("default")));

/* the slot of threads the runtime does not know (never signalled) */
struct upstare_thread_slot upstare__unregistered_slot;
__thread struct thread_state upstare__ts = { .slot = &upstare__unregistered_slot };

/* for threads beyond the table: not visible to the controller */
static __thread struct upstare_thread_slot spare_slot;

int upstare__reg_lock;
struct thread_state *upstare__threads;
static int update_signal;
static pthread_key_t exit_key;

int upstare__update_signal(void)
{
	return update_signal;
}

void upstare__registry_init(void (*on_exit)(void *))
{
	update_signal = SIGRTMIN + 2;
	pthread_key_create(&exit_key, on_exit);
}

/*
 * A forked child has only the forking thread: the table holds it alone
 * (the rest of the reset is transition.c's).
 */
void upstare__registry_after_fork(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;

	upstare__reg_lock = 0;
	upstare__threads = ts;
	ts->next_thread = NULL;
	ts->tid = gettid();
	cb->nthreads = 1;
	/* slots past nslots were never used: not touching them spares the
	 * child a page fault for each of the table's pages (32 KiB) */
	memset(upstare_threads, 0, (cb->nslots < UPSTARE_MAX_THREADS ? cb->nslots :
				    UPSTARE_MAX_THREADS) * sizeof(upstare_threads[0]));
	ts->slot = &upstare_threads[0];
	ts->slot->tid = ts->tid;
	cb->nslots = 1;
}

void upstare__thread_register(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;
	pthread_attr_t a;
	sigset_t s;

	ts->tid = gettid();
	/* where its stack is, for retire.c (the main thread's is [stack]: glibc
	 * would read /proc/self/maps for it) */
	if (ts->tid != getpid() && !pthread_getattr_np(pthread_self(), &a)) {
		void *addr;
		size_t size;

		if (!pthread_attr_getstack(&a, &addr, &size)) {
			ts->stack_lo = (uintptr_t)addr;
			ts->stack_hi = (uintptr_t)addr + size;
		}
		pthread_attr_destroy(&a);
	}
	sigemptyset(&s);
	sigaddset(&s, update_signal);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_setspecific(exit_key, ts);
	upstare__registry_lock();
	ts->slot = &spare_slot;
	for (unsigned i = 0; i < UPSTARE_MAX_THREADS; i++)
		if (!upstare_threads[i].tid) {
			ts->slot = &upstare_threads[i];
			if (i >= cb->nslots)
				cb->nslots = i + 1;
			break;
		}
	ts->slot->blocking = 0;
	__atomic_store_n(&ts->slot->tid, ts->tid, __ATOMIC_RELEASE);
	ts->next_thread = upstare__threads;
	upstare__threads = ts;
	ts->registered = 1;
	cb->nthreads++;
	upstare__registry_unlock();
}

void upstare__thread_unregister(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;

	upstare__registry_lock();
	for (struct thread_state **p = &upstare__threads; *p; p = &(*p)->next_thread)
		if (*p == ts) {
			*p = ts->next_thread;
			break;
		}
	ts->registered = 0;
	cb->nthreads--;
	__atomic_store_n(&ts->slot->tid, 0, __ATOMIC_RELEASE);
	ts->slot = &upstare__unregistered_slot;
	upstare__registry_unlock();
	/* the leader may be waiting for this thread to park */
	__atomic_add_fetch(&cb->nparked, 0, __ATOMIC_SEQ_CST);
	upstare__futex_wake(&cb->nparked);
}

void upstare__kick_unparked(void)
{
	struct thread_state *const ts = &upstare__ts;

	upstare__registry_lock();
	for (struct thread_state *t = upstare__threads; t; t = t->next_thread)
		if (!t->parked && t != ts) {
			if (t->slot->blocking)
				syscall(SYS_tgkill, getpid(), t->tid, update_signal);
			/*
			 * a spurious wakeup: it unwinds at its next wait; the
			 * waiter clears wait_cond under this lock (wrap.c), so
			 * the condition variable is still the program's
			 */
			if (t->wait_cond)
				pthread_cond_broadcast(t->wait_cond);
		}
	upstare__registry_unlock();
}
