// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Where instrumented code enters the runtime: update points, function
 * entries and the end of a rebuild; the entry wrappers' unwound check;
 * the runtime's start, its signal and fork handlers; the self-test mode.
 *
 * While a thread unwinds, each instrumented function saves its frame
 * record (its locals and its continuation point) and returns; the records
 * form a stack, innermost first.  At the thread's entry wrapper the stack
 * is rebuilt: the entry function is called again and each function's
 * entry pops its record, restores its locals and goes to its
 * continuation point, calling its callee again, down to the innermost
 * frame.  Locals that pointed into a saved frame are relocated to the
 * rebuilt frame's address (frames.c).  The update itself, when a thread
 * parks and what it rebuilds in, is transition.c's.
 *
 * Self-test mode (UPSTARE_SELFTEST_UNWIND=N): every N-th update point a
 * thread reaches unwinds and rebuilds its whole stack in the same code.
 * The program must behave exactly as without it; the selftests compare.
 * With UPSTARE_SELFTEST_UNWIND_MAX=M, the process unwinds M times at most;
 * then, once no thread is between its unwind and the end of its rebuild,
 * __upstare_pending goes down and the rest of the run polls at full speed.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <fcntl.h>
#include <link.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"
#include "transition.h"
#include "upstare.h"

static unsigned long selftest_every;
static unsigned long selftest_max, selftest_started;
static int selftest_over, selftest_inflight;
static unsigned long rebuilds;

static void on_update_signal(int sig, siginfo_t *si, void *uc)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;

	(void)sig;
	if (si->si_code == SI_TIMER) {
		/* a transformer's deadline (transform.c): may not return */
		upstare__xform_deadline_signal(si, uc);
		return;
	}
	/* a wrapper interrupted by this signal retries: the program never
	 * sees it, even when it comes late, after the update is over */
	ts->kicked = 1;
	if (__atomic_load_n(&cb->request, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&cb->ack, __ATOMIC_RELAXED))
		__upstare_pending = 1;
}

static int build_id_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type == PT_NOTE &&
		    !upstare__build_id((const void *)(info->dlpi_addr + ph->p_vaddr), ph->p_memsz,
				       data, sizeof(upstare_control.build_id)))
			break;
	}
	return 1;	/* only the first object: the executable */
}

/*
 * Every registered thread, at exit: unregister one that exits without its
 * entry wrapper's help (pthread_exit), and free what the runtime keeps for
 * it.  Instrumented code that still runs later in the exit (another key's
 * destructor) starts a new side stack, which is then not freed.
 */
static void on_thread_exit(void *p)
{
	struct thread_state *const ts = &upstare__ts;

	(void)p;
	if (ts->registered)
		upstare__thread_unregister();
	upstare__thread_release();
}

/*
 * A forked child has only the forking thread: it can be updated on its
 * own, or with its tree.  Also run in children made by clone without
 * CLONE_VM (wrap.c), where no atfork handler runs.
 */
void upstare__after_fork_child(void)
{
	upstare__registry_after_fork();
	upstare__transition_after_fork();
}

static void signals_init(void)
{
	struct upstare_control *const cb = &upstare_control;
	struct sigaction sa = { .sa_sigaction = on_update_signal };

	upstare__registry_init(on_thread_exit);
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_SIGINFO;	/* no SA_RESTART: blocking calls return EINTR */
	sigaction(upstare__update_signal(), &sa, NULL);
	cb->update_signal = upstare__update_signal();
	dl_iterate_phdr(build_id_cb, cb->build_id);
	pthread_atfork(NULL, NULL, upstare__after_fork_child);
	upstare__functions_init();
}

/*
 * UPSTARE_SELFTEST_REPORT: the count at exit, on stderr, or appended to
 * the file it names (an absolute path) when stderr is the program's
 * output a test compares (SQLite's suite runs children that must print
 * nothing).
 */
static void report(void)
{
	const char *r = getenv("UPSTARE_SELFTEST_REPORT");
	int fd;

	if (!r)
		return;
	fd = r[0] == '/' ? open(r, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : STDERR_FILENO;
	if (fd < 0)
		return;
	dprintf(fd, "upstare: %lu stack rebuilds\n", __atomic_load_n(&rebuilds, __ATOMIC_RELAXED));
	if (fd != STDERR_FILENO)
		close(fd);
}

void upstare__init(void)
{
	const char *e = getenv("UPSTARE_SELFTEST_UNWIND");

	signals_init();
	upstare__thread_register();
	if (e && *e) {
		selftest_every = strtoul(e, NULL, 0);
		if (selftest_every) {
			upstare__selftest = 1;
			__upstare_pending = 1;
		}
		e = getenv("UPSTARE_SELFTEST_UNWIND_MAX");
		if (e && *e)
			selftest_max = strtoul(e, NULL, 0);
		atexit(report);
	}
}

unsigned long upstare_rebuild_count(void)
{
	return __atomic_load_n(&rebuilds, __ATOMIC_RELAXED);
}

/*
 * Self-test mode with a maximum: a thread is no longer between an unwind
 * and the end of its rebuild.  The last one after the maximum lowers the
 * flag: no frame is being saved or rebuilt, and no unwind starts again.
 */
static void selftest_landed(void)
{
	/*
	 * "over" read before the count drops: a thread that counts itself in
	 * after the drop to zero reads "over" after this read, and backs out.
	 * (Read after the drop, it could be the store of a thread that went in
	 * after it, and lower the flag under that thread's unwind.)
	 */
	int over = __atomic_load_n(&selftest_over, __ATOMIC_SEQ_CST);

	if (!__atomic_sub_fetch(&selftest_inflight, 1, __ATOMIC_SEQ_CST) && over)
		__upstare_pending = 0;
}

/* Self-test mode: does this update point start an unwind? */
static int selftest_trigger(void)
{
	struct thread_state *const ts = &upstare__ts;
	unsigned long n;

	if (!selftest_every || ts->rebuilding || ts->unwinding || ts->nr_depth)
		return 0;
	if (++ts->polls % selftest_every)
		return 0;
	if (selftest_max) {
		/*
		 * In flight before looking whether it is over, so that the
		 * thread ending it either sees this one or is seen (both
		 * sequentially consistent).
		 */
		__atomic_add_fetch(&selftest_inflight, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&selftest_over, __ATOMIC_SEQ_CST)) {
			selftest_landed();
			return 0;
		}
		n = __atomic_add_fetch(&selftest_started, 1, __ATOMIC_RELAXED);
		if (n >= selftest_max)
			__atomic_store_n(&selftest_over, 1, __ATOMIC_SEQ_CST);
		if (n > selftest_max) {
			/* another thread took the last one meanwhile */
			selftest_landed();
			return 0;
		}
	}
	ts->unwinding = 1;
	return 1;
}


static void *frame_pop(const struct __upstare_fdesc *fd);

/* At an update point: nonzero means save the frame and return (unwind). */
static int update_point(void)
{
	return selftest_every ? selftest_trigger() : upstare__update_point();
}

/* A new frame record of fd, at continuation point cp, on the saved stack. */
static void *frame_push(const struct __upstare_fdesc *fd, unsigned int cp)
{
	struct thread_state *const ts = &upstare__ts;
	struct frame *f = malloc(offsetof(struct frame, hdr) + fd->frame_size);

	if (!f)
		upstare__fatal("out of memory saving a frame of %s()", fd->name);
	/*
	 * Slots of locals dead at the continuation point stay unwritten:
	 * give them a fixed pattern rather than what the heap held.
	 */
	memset(&f->hdr, 0xa5, fd->frame_size);
	f->next = ts->top;
	f->size = fd->frame_size;
	f->hdr.fd = fd;
	f->hdr.cp = cp;
	ts->top = f;
	return &f->hdr;
}

void *__upstare_enter(const struct __upstare_fdesc *fd)
{
	struct thread_state *const ts = &upstare__ts;
	void *rec;

	if (ts->rebuilding) {
		rec = frame_pop(fd);
		if (!(fd->flags & __UPSTARE_FN_NEWADDR))
			__upstare_frame_relocate(rec);
		return rec;
	}
	return update_point() ? (char *)frame_push(fd, 0) + 1 : NULL;
}

void *__upstare_unwind_at(const struct __upstare_fdesc *fd, unsigned int cp)
{
	struct thread_state *const ts = &upstare__ts;

	return ts->unwinding ? frame_push(fd, cp) : NULL;
}

/* One call at an update point: less code at each of them. */
void *__upstare_poll_save(const struct __upstare_fdesc *fd, unsigned int cp)
{
	return update_point() ? frame_push(fd, cp) : NULL;
}

/* the next frame record to rebuild, which must be fd's */
static void *frame_pop(const struct __upstare_fdesc *fd)
{
	struct thread_state *const ts = &upstare__ts;
	struct frame *f = ts->top;

	if (!f)
		upstare__fatal("rebuilding %s(): no saved frame left", fd->name);
	if (f->hdr.fd != fd)
		upstare__fatal("rebuilding %s(): the next saved frame belongs to %s()", fd->name,
		      f->hdr.fd->name);
	ts->top = f->next;
	ts->resuming = &f->hdr;
	return &f->hdr;
}

void *__upstare_resuming(void)
{
	struct thread_state *const ts = &upstare__ts;

	return ts->resuming;
}

void __upstare_frame_done(void *frame)
{
	struct thread_state *const ts = &upstare__ts;

	ts->resuming = NULL;
	upstare__free_frame((struct frame *)((char *)frame - offsetof(struct frame, hdr)));
	if (!ts->top) {
		/* the innermost frame is back: this thread runs again */
		ts->rebuilding = 0;
		ts->nrelocs = 0;
		__atomic_add_fetch(&rebuilds, 1, __ATOMIC_RELAXED);
		if (selftest_max)
			selftest_landed();
		upstare__rebuilt();
	}
}

int upstare__entry_unwound(void)
{
	struct thread_state *const ts = &upstare__ts;

	if (!ts->unwinding)
		return 0;
	if (!ts->top)
		upstare__fatal("a thread unwound to its entry without saving a frame");
	ts->unwinding = 0;
	if (ts->update_unwind)
		upstare__park();
	ts->rebuilding = 1;
	return 1;
}
