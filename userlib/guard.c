// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Patch code that runs before the commit — the patch's constructors, while
 * it is loaded, and its transformers — runs guarded: a fault in it
 * (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS) or a call of exit(),
 * _exit(), _Exit(), quick_exit(), abort() or a failed assert() returns
 * to the runtime, which rolls the update back; the program goes on in the
 * old version.  The handlers are installed only for the guarded call, on
 * the thread that makes it; a fault of any other thread meanwhile goes to
 * the handler the program had (or the default action).  The loader
 * (load.c) binds the patch's references to the exit functions to the
 * stubs below, which exit for real outside a guarded call: after the
 * commit, the new version exits as it means to.
 *
 * What a guarded call leaves behind when it is cut short is as for a
 * transformer abandoned at the deadline (runtime.rst, "Deadlines"): a lock
 * it held inside library code stays held.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

static const int guard_sigs[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT, SIGSYS };
#define NGUARD (sizeof(guard_sigs) / sizeof(guard_sigs[0]))

static struct sigaction guard_old[NGUARD];
static sigjmp_buf guard_jmp;
static volatile pid_t guard_tid;	/* 0: no guarded call */
static char guard_why[256];

static int slot_of(int sig)
{
	for (unsigned i = 0; i < NGUARD; i++)
		if (guard_sigs[i] == sig)
			return i;
	return -1;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	int k = slot_of(sig);
	struct sigaction *o;

	if (guard_tid && gettid() == guard_tid) {
		if (sig == SIGSEGV || sig == SIGBUS)
			snprintf(guard_why, sizeof(guard_why), "received SIG%s (address %p)",
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?", si->si_addr);
		else
			snprintf(guard_why, sizeof(guard_why), "received SIG%s",
				 sigabbrev_np(sig) ? sigabbrev_np(sig) : "?");
		siglongjmp(guard_jmp, 1);
	}
	/* another thread's: what the program would have had */
	if (k < 0)
		return;
	o = &guard_old[k];
	if (o->sa_flags & SA_SIGINFO) {
		o->sa_sigaction(sig, si, uc);
	} else if (o->sa_handler == SIG_DFL) {
		sigaction(sig, o, NULL);
		if (si->si_code <= 0 || sig == SIGABRT)
			raise(sig);	/* sent: again, now to the default action */
		/* a fault: the instruction runs again and takes it */
	} else if (o->sa_handler != SIG_IGN) {
		o->sa_handler(sig);
	}
}

static void guard_off(void)
{
	guard_tid = 0;
	for (unsigned i = 0; i < NGUARD; i++)
		sigaction(guard_sigs[i], &guard_old[i], NULL);
}

/*
 * What instrumented code cut short leaves behind in the thread's state:
 * the counts its entry and wrapped calls raised, and its side stack.
 */
struct snapshot {
	int in_runtime, nr_depth, unwinding, rebuilding, blocking;
	struct upstare_thread_slot *slot;
	void *wait_cond;
	const void *resume_call;
	size_t resume_done;
	char *sh_base, *sh_top, *sh_end;
	struct shadow_chunk *sh_chunk;
};

static void snap(struct snapshot *s)
{
	struct thread_state *t = &upstare__ts;

	*s = (struct snapshot){ t->in_runtime, t->nr_depth, t->unwinding, t->rebuilding,
				t->slot ? t->slot->blocking : 0, t->slot, t->wait_cond,
				t->resume_call, t->resume_done, __upstare_sh_base, __upstare_sh_top,
				__upstare_sh_end, t->sh_chunk };
}

static void unsnap(const struct snapshot *s)
{
	struct thread_state *t = &upstare__ts;

	t->in_runtime = s->in_runtime;
	t->nr_depth = s->nr_depth;
	t->unwinding = s->unwinding;
	t->rebuilding = s->rebuilding;
	t->slot = s->slot;
	if (t->slot)
		t->slot->blocking = s->blocking;
	t->wait_cond = s->wait_cond;
	t->resume_call = s->resume_call;
	t->resume_done = s->resume_done;
	t->kicked = 0;
	/* chunks the abandoned code added are left allocated */
	t->sh_chunk = s->sh_chunk;
	__upstare_sh_base = s->sh_base;
	__upstare_sh_top = s->sh_top;
	__upstare_sh_end = s->sh_end;
}

int upstare__guarded(int (*fn)(void *), void *arg, char *why, size_t n)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO | SA_ONSTACK };
	sigset_t set, oldset;
	struct snapshot st;
	int err;

	sigemptyset(&sa.sa_mask);
	for (unsigned i = 0; i < NGUARD; i++)
		sigaction(guard_sigs[i], &sa, &guard_old[i]);
	/* a fault signal blocked on this thread would kill it instead */
	sigemptyset(&set);
	for (unsigned i = 0; i < NGUARD; i++)
		sigaddset(&set, guard_sigs[i]);
	pthread_sigmask(SIG_UNBLOCK, &set, &oldset);
	guard_why[0] = 0;
	snap(&st);
	if (sigsetjmp(guard_jmp, 1)) {
		guard_off();
		unsnap(&st);
		pthread_sigmask(SIG_SETMASK, &oldset, NULL);
		snprintf(why, n, "%s", guard_why);
		return -EFAULT;
	}
	guard_tid = gettid();
	err = fn(arg);
	guard_off();
	pthread_sigmask(SIG_SETMASK, &oldset, NULL);
	return err;
}

void upstare__guard_cancel(void)
{
	if (guard_tid == gettid())
		guard_off();
}

/* ------------------------------------------- the patch's exit functions */

static void guard_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void guard_exit(const char *fmt, ...)
{
	va_list ap;

	if (!guard_tid || gettid() != guard_tid)
		return;
	va_start(ap, fmt);
	vsnprintf(guard_why, sizeof(guard_why), fmt, ap);
	va_end(ap);
	siglongjmp(guard_jmp, 1);
}

static void stub_exit(int status)
{
	guard_exit("called exit(%d)", status);
	exit(status);
}

static void stub__exit(int status)
{
	guard_exit("called _exit(%d)", status);
	_exit(status);
}

static void stub_quick_exit(int status)
{
	guard_exit("called quick_exit(%d)", status);
	quick_exit(status);
}

static void stub_abort(void)
{
	guard_exit("called abort()");
	abort();
}

extern void __assert_fail(const char *expr, const char *file, unsigned int line,
			  const char *func) __attribute__((noreturn));

static void stub_assert_fail(const char *expr, const char *file, unsigned int line,
			     const char *func)
{
	guard_exit("failed an assertion: %s:%u: %s: %s", file, line, func ? func : "?", expr);
	__assert_fail(expr, file, line, func);
}

void *upstare__guard_stub(const char *name)
{
	static const struct {
		const char *name;
		void *fn;
	} stubs[] = {
		{ "exit", (void *)stub_exit },
		{ "_exit", (void *)stub__exit },
		{ "_Exit", (void *)stub__exit },
		{ "quick_exit", (void *)stub_quick_exit },
		{ "abort", (void *)stub_abort },
		{ "__assert_fail", (void *)stub_assert_fail },
	};

	for (unsigned i = 0; i < sizeof(stubs) / sizeof(stubs[0]); i++)
		if (!strcmp(stubs[i].name, name))
			return stubs[i].fn;
	return NULL;
}
