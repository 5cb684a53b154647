// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Unwinding and rebuilding a thread's stack.
 *
 * While a thread unwinds, each instrumented function saves its frame
 * record (its locals and its continuation point) and returns; the records
 * form a stack, innermost first.  At the thread's entry wrapper the stack
 * is rebuilt: the entry function is called again and each function's
 * entry pops its record, restores its locals and goes to its
 * continuation point, calling its callee again, down to the innermost
 * frame.  Locals that pointed into a saved frame are relocated to the
 * rebuilt frame's address.
 *
 * Self-test mode (UPSTARE_SELFTEST_UNWIND=N): every N-th update point a
 * thread reaches unwinds and rebuilds its whole stack in the same code.
 * The program must behave exactly as without it; the selftests compare.
 * With UPSTARE_SELFTEST_UNWIND_MAX=M, the process unwinds M times at most;
 * then, once no thread is between its unwind and the end of its rebuild,
 * __upstare_pending goes down and the rest of the run polls at full speed.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare.h"

volatile int __upstare_pending;
/* the same flag for instrumented code in the executable (emit: __US_PENDING) */
extern volatile int __upstare_pending_exe
	__attribute__((alias("__upstare_pending"), visibility("hidden")));
volatile int __upstare_xlate_on;

/* the slot of threads the runtime does not know (never signalled) */
struct upstare_thread_slot upstare__unregistered_slot;
__thread struct thread_state upstare__ts = { .slot = &upstare__unregistered_slot };

static unsigned long selftest_every;
static unsigned long selftest_max, selftest_started;
static int selftest_over, selftest_inflight;
static unsigned long rebuilds;

void upstare__fatal(const char *fmt, ...)
{
	va_list ap;

	fputs("upstare: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

static void report(void)
{
	if (getenv("UPSTARE_SELFTEST_REPORT"))
		fprintf(stderr, "upstare: %lu stack rebuilds\n",
			__atomic_load_n(&rebuilds, __ATOMIC_RELAXED));
}

void upstare__init(void)
{
	const char *e = getenv("UPSTARE_SELFTEST_UNWIND");

	upstare__signals_init();
	upstare__thread_register();
	if (e && *e) {
		selftest_every = strtoul(e, NULL, 0);
		if (selftest_every)
			__upstare_pending = 1;
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

int upstare__selftest_mode(void)
{
	return selftest_every != 0;
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

void __upstare_frame_relocate(void *frame)
{
	struct thread_state *const ts = &upstare__ts;
	const struct __upstare_fdesc *fd = ((struct __upstare_frame_hdr *)frame)->fd;
	char *rec = frame;

	for (unsigned i = 0; i < fd->nlocals; i++) {
		const struct __upstare_local *l = &fd->locals[i];

		if (!(l->flags & __UPSTARE_LOCAL_PTR))
			continue;
		for (unsigned long w = 0; w + sizeof(char *) <= l->size; w += sizeof(char *)) {
			char *p;

			memcpy(&p, rec + l->offset + w, sizeof(p));
			for (unsigned r = 0; r < ts->nrelocs; r++) {
				struct reloc *rl = &ts->relocs[r];

				if (p >= rl->old && p <= rl->old + rl->size) {
					p = rl->new + (p - rl->old);
					memcpy(rec + l->offset + w, &p, sizeof(p));
					break;
				}
			}
		}
	}
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

void __upstare_frame_newaddr(void *frame, unsigned int idx, void *addr)
{
	struct thread_state *const ts = &upstare__ts;
	struct __upstare_frame_hdr *h = frame;
	const struct __upstare_local *l = &h->fd->locals[idx];
	char *old;

	memcpy(&old, (char *)frame + l->addr_offset, sizeof(old));
	/* NULL: the local was dead where its frame was saved, nothing points to it */
	if (!old)
		return;
	if (ts->nrelocs == ts->caprelocs) {
		ts->caprelocs = ts->caprelocs ? ts->caprelocs * 2 : 16;
		ts->relocs = realloc(ts->relocs, ts->caprelocs * sizeof(*ts->relocs));
		if (!ts->relocs)
			upstare__fatal("out of memory rebuilding %s()", h->fd->name);
	}
	ts->relocs[ts->nrelocs++] = (struct reloc){ old, addr, l->size };
}

void upstare__free_zeroed(void *p, size_t size)
{
	if (p)
		explicit_bzero(p, size);
	free(p);
}

void upstare__free_frame(struct frame *f)
{
	if (f)
		upstare__free_zeroed(f, offsetof(struct frame, hdr) + f->size);
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

/*
 * The side stack.  Address-taken locals of instrumented functions live
 * here instead of in the native frame (see instrumentor.rst, "Address-taken
 * locals"): a pointer to one may be kept in the heap, a global or another
 * structure, where no relocation can find it, so the local must keep its
 * address when its frame is unwound and rebuilt.  Unwinding does not pop
 * the side stack and the rebuilt frame takes its locals back from the
 * frame record's pointers.  A bump allocator over chunks that are kept for
 * reuse; a block is 16-byte aligned and sized, so that a release to a
 * function's first block gives back exactly what it took.
 */
struct shadow_chunk {
	struct shadow_chunk *prev, *next;
	char *end;
	char mem[] __attribute__((aligned(16)));
};

#define SHADOW_CHUNK	(256UL << 10)

__thread char *__upstare_sh_base, *__upstare_sh_top, *__upstare_sh_end;

static void shadow_use(struct shadow_chunk *c)
{
	struct thread_state *const ts = &upstare__ts;

	ts->sh_chunk = c;
	__upstare_sh_base = c ? c->mem : NULL;
	__upstare_sh_end = c ? c->end : NULL;
}

static __attribute__((noinline)) void *shadow_grow(unsigned long size, unsigned long align)
{
	struct thread_state *const ts = &upstare__ts;
	struct shadow_chunk *c = ts->sh_chunk ? ts->sh_chunk->next : NULL;
	unsigned long need = size + align;

	/* a kept chunk too small for this block is dropped with the ones after it */
	if (c && (unsigned long)(c->end - c->mem) < need) {
		struct shadow_chunk *n;

		for (; c; c = n) {
			n = c->next;
			free(c);
		}
		ts->sh_chunk->next = NULL;
	}
	if (!c) {
		unsigned long len = need > SHADOW_CHUNK ? need : SHADOW_CHUNK;

		c = malloc(sizeof(*c) + len);
		if (!c)
			upstare__fatal("out of memory for address-taken locals (%lu bytes)", size);
		c->prev = ts->sh_chunk;
		c->next = NULL;
		c->end = c->mem + len;
		if (ts->sh_chunk)
			ts->sh_chunk->next = c;
	}
	shadow_use(c);
	__upstare_sh_top = (char *)(((uintptr_t)c->mem + align - 1) & ~(uintptr_t)(align - 1));
	__upstare_sh_top += size;
	return __upstare_sh_top - size;
}

/* The slow path; the generated code bumps __upstare_sh_top itself. */
void *__upstare_shadow_alloc(unsigned long size, unsigned long align)
{
	struct thread_state *const ts = &upstare__ts;
	char *p;

	if (align < 16)
		align = 16;
	size = (size + 15) & ~15UL;
	p = (char *)(((uintptr_t)__upstare_sh_top + align - 1) & ~(uintptr_t)(align - 1));
	if (!ts->sh_chunk || p > __upstare_sh_end ||
	    size > (unsigned long)(__upstare_sh_end - p))
		return shadow_grow(size, align);
	__upstare_sh_top = p + size;
	return p;
}

/* The slow path: p is in an earlier chunk (or null). */
void __upstare_shadow_release(void *p)
{
	struct thread_state *const ts = &upstare__ts;
	char *m = p;
	struct shadow_chunk *c = ts->sh_chunk;

	if (!m)
		return;
	while (c && !(m >= c->mem && m <= c->end))
		c = c->prev;
	if (!c)
		upstare__fatal("releasing address-taken locals at %p, not on the side stack", p);
	shadow_use(c);
	__upstare_sh_top = m;
}

/*
 * The side stack of parked thread t that holds nothing: above where it
 * stood when t parked, and the chunks kept after that one (retire.c does
 * not read them).  Up to max ranges.
 */
unsigned upstare__shadow_dead(const struct thread_state *t, struct upstare__range *r,
			      unsigned max)
{
	const struct shadow_chunk *c = t->sh_chunk;
	unsigned n = 0;

	if (!c)
		return 0;
	if ((char *)t->park_sh_top >= c->mem && (char *)t->park_sh_top <= c->end && n < max)
		r[n++] = (struct upstare__range){ (uintptr_t)t->park_sh_top, (uintptr_t)c->end };
	for (c = c->next; c && n < max; c = c->next)
		r[n++] = (struct upstare__range){ (uintptr_t)c->mem, (uintptr_t)c->end };
	return n;
}

void upstare__thread_release(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct shadow_chunk *c = ts->sh_chunk, *n;

	while (c && c->prev)
		c = c->prev;
	for (; c; c = n) {
		n = c->next;
		free(c);
	}
	shadow_use(NULL);
	__upstare_sh_top = NULL;
	free(ts->relocs);
	ts->relocs = NULL;
	ts->nrelocs = ts->caprelocs = 0;
}

void __upstare_nr_enter(void)
{
	struct thread_state *const ts = &upstare__ts;

	ts->nr_depth++;
}

void __upstare_nr_leave(void)
{
	struct thread_state *const ts = &upstare__ts;

	ts->nr_depth--;
}

void upstare__free_frames(struct frame *f)
{
	while (f) {
		struct frame *n = f->next;

		upstare__free_frame(f);
		f = n;
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
