// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Retiring patches: an applied patch that a later one superseded is
 * unmapped once nothing can reach it, so that a long chain of updates does
 * not keep every version it ran mapped (an update back and forth every
 * minute for a year would hold half a million of them).
 *
 * Nothing in the program says when an old version is unreachable, so the
 * runtime looks, with every thread parked and the update committed (the
 * only moment nothing moves).  A patch P superseded before the previous
 * version is kept when any of these names it:
 *
 *   - a later applied patch binds a symbol to it (a global it moved or
 *     added, load.c);
 *   - the function map translates an old address to a function in it (a
 *     function the later versions removed, patch.c);
 *   - a signal handler (the kernel holds it: asked with sigaction);
 *   - a word of writable memory, read from /proc/self/maps: the heap,
 *     every library's data, every thread's stack (a parked thread's from
 *     where it parked up; an unregistered thread's whole), shared memory,
 *     the other patches' data, as an address or as glibc mangles the code
 *     pointers it keeps (atexit handlers, jmp_buf: PTR_MANGLE), except the
 *     runtime's own tables of patches and old addresses.
 *
 * The scan is conservative, as a garbage collector's: a stale copy of an
 * address (a freed block not yet reused) keeps a patch mapped until the
 * next update looks again; nothing that may be used is unmapped.  What it
 * cannot see: a pointer only the kernel holds other than a signal handler
 * (an epoll_event's data.ptr, an aio or io_uring request's user data), a
 * pointer held in a register of a thread the runtime does not know, a
 * pointer stored in memory made read-only since, or one hidden by
 * arithmetic (XOR lists, tagged pointers beyond the low bits).  The scan
 * is skipped, and every patch stays mapped, when /proc/self/maps cannot be
 * read (a chroot without /proc) or when there is more writable memory than
 * SCAN_MAX to read in the pause.  The previous version is never a
 * candidate: threads the runtime does not know may still be running its
 * code for a moment after the commit.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

/* What one pause may read: 64 MiB is ~10 ms at this machine's 6 GB/s. */
#define SCAN_MAX	(64ul << 20)
/* Candidates looked at in one update (the rest wait for the next). */
#define MAX_CAND	64
/*
 * The look costs about 0.2 ms of each process's pause, whatever it finds:
 * it is taken every RETIRE_EVERY updates with a candidate (the environment's
 * UPSTARE_RETIRE_EVERY, 1 to 1000), or at once when the candidates span
 * RETIRE_BYTES, so that a chain of small patches keeps at most a few more
 * mapped and a large one none for long.
 */
#define RETIRE_EVERY	4
#define RETIRE_BYTES	(8ul << 20)

struct cand {
	struct upstare__obj *o;
	uintptr_t lo, hi;
	int pinned;
};

struct region {
	uintptr_t lo, hi;
	int cand;		/* the candidate whose memory it is, or -1 */
};

struct scan {
	struct cand c[MAX_CAND];
	unsigned nc;
	uintptr_t min, max;	/* of every candidate's span */
	uint64_t guard;		/* glibc's pointer guard */
	unsigned char from[MAX_CAND][MAX_CAND];	/* from[x][y]: x's memory names y */
	struct upstare__range *own;	/* not counted (sorted for the scan) */
	size_t nown, capown;
	struct region *r;
	size_t nr, capr;
	int nomem;
};

/* realloc() that leaves no copy of the old block behind (see out:). */
static void *grow(void *p, size_t old, size_t size)
{
	void *n = malloc(size);

	if (n && p)
		memcpy(n, p, old);
	if (n)
		upstare__free_zeroed(p, old);
	return n;
}

static void add_own(struct scan *s, uintptr_t lo, uintptr_t hi);

static void own_cb(void *arg, uintptr_t lo, uintptr_t hi)
{
	add_own(arg, lo, hi);
}

static void add_own(struct scan *s, uintptr_t lo, uintptr_t hi)
{
	if (s->nown == s->capown) {
		size_t cap = s->capown ? 2 * s->capown : 256;
		struct upstare__range *n = grow(s->own, s->capown * sizeof(*n), cap * sizeof(*n));

		if (!n) {
			s->nomem = 1;
			return;
		}
		s->own = n;
		s->capown = cap;
	}
	if (lo < hi)
		s->own[s->nown++] = (struct upstare__range){ lo, hi };
}

static void add_region(struct scan *s, uintptr_t lo, uintptr_t hi, int cand)
{
	if (s->nr == s->capr) {
		size_t cap = s->capr ? 2 * s->capr : 256;
		struct region *n = grow(s->r, s->capr * sizeof(*n), cap * sizeof(*n));

		if (!n) {
			s->nomem = 1;
			return;
		}
		s->r = n;
		s->capr = cap;
	}
	s->r[s->nr++] = (struct region){ lo, hi, cand };
}

/* glibc's PTR_MANGLE key, in the thread control block (x86-64: %fs:0x30). */
static uint64_t pointer_guard(void)
{
	uint64_t g = 0;

#if defined(__x86_64__) && defined(__GLIBC__)
	__asm__("mov %%fs:0x30, %0" : "=r"(g));
#endif
	return g;
}

static int cand_of(const struct scan *s, uintptr_t a)
{
	for (unsigned i = 0; i < s->nc; i++)
		if (a - s->c[i].lo < s->c[i].hi - s->c[i].lo)
			return i;
	return -1;
}

/* A word names candidate i (as an address, or mangled): record who names it. */
static void note(struct scan *s, int by, int i)
{

	if (by < 0)
		s->c[i].pinned = 1;
	else if (by != i)
		s->from[by][i] = 1;
}

/* Does a word name a candidate, as an address or mangled? */
static inline int near(const struct scan *s, uint64_t v)
{
	uint64_t d = ((v >> 17) | (v << 47)) ^ s->guard;

	return (v - s->min < s->max - s->min) | (d - s->min < s->max - s->min);
}

static void scan_one(struct scan *s, uint64_t v, int by)
{
	uint64_t d = ((v >> 17) | (v << 47)) ^ s->guard;
	int i;

	if ((i = cand_of(s, v)) >= 0)
		note(s, by, i);
	if ((i = cand_of(s, d)) >= 0)
		note(s, by, i);
}

/*
 * Blocks of 64 words are first tested without a branch (vectorized: 5 GB/s
 * word by word was most of the scan's time), and only a block with a word
 * in the candidates' span is looked at word by word.
 */
static void scan_words(struct scan *s, uintptr_t lo, uintptr_t hi, int by)
{
	const uint64_t *w = (const uint64_t *)((lo + 7) & ~(uintptr_t)7);
	const uint64_t *end = (const uint64_t *)(hi & ~(uintptr_t)7);

	while (end - w >= 64) {
		int any = 0;

#pragma clang loop vectorize(enable)
		for (int k = 0; k < 64; k++)
			any |= near(s, w[k]);
		if (any)
			for (int k = 0; k < 64; k++)
				scan_one(s, w[k], by);
		w += 64;
	}
	for (; w < end; w++)
		if (near(s, *w))
			scan_one(s, *w, by);
}

/* Scan [lo, hi) but the runtime's own storage in it (s->own is sorted). */
static void scan_range(struct scan *s, uintptr_t lo, uintptr_t hi, int by)
{
	for (unsigned k = 0; k < s->nown && lo < hi; k++) {
		if (s->own[k].hi <= lo || s->own[k].lo >= hi)
			continue;
		if (s->own[k].lo > lo)
			scan_words(s, lo, s->own[k].lo, by);
		lo = s->own[k].hi;
	}
	if (lo < hi)
		scan_words(s, lo, hi, by);
}

static int scan_all(void *arg)
{
	struct scan *s = arg;

	for (size_t k = 0; k < s->nr; k++)
		scan_range(s, s->r[k].lo, s->r[k].hi, s->r[k].cand);
	return 0;
}

/* The whole of a file read with read(2) (procfs gives no size), or NULL. */
static char *read_all(const char *path, size_t *len)
{
	size_t cap = 16384, n = 0;
	char *buf = malloc(cap), *nb;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0 || !buf)
		goto fail;
	while ((got = read(fd, buf + n, cap - n - 1)) > 0) {
		n += got;
		if (cap - n < 4096) {
			if (!(nb = realloc(buf, cap * 2)))
				goto fail;
			buf = nb;
			cap *= 2;
		}
	}
	if (got < 0)
		goto fail;
	close(fd);
	buf[n] = 0;
	*len = n;
	return buf;
fail:
	if (fd >= 0)
		close(fd);
	free(buf);
	return NULL;
}

/*
 * The writable mappings to read, from /proc/self/maps, each cut where a
 * candidate's span begins or ends (a patch's zeroed data may merge with
 * the anonymous mapping next to it); below a parked thread's park_sp, its
 * stack is dead and goes to the runtime's own.  0, or -1 (retire nothing
 * now).
 */
static int regions(struct scan *s, char *maps)
{
	size_t total = 0;

	for (char *line = maps, *next; line && *line; line = next) {
		unsigned long lo, hi;
		char perm[8] = "";
		int path = 0;

		next = strchr(line, '\n');
		if (next)
			*next++ = 0;
		if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %n", &lo, &hi, perm, &path) < 3)
			return -1;
		if (perm[0] != 'r' || perm[1] != 'w' || hi <= lo)
			continue;
		/* device memory may not be read like memory; shared anonymous
		 * memory is /dev/zero's */
		if (path && !strncmp(line + path, "/dev/", 5) &&
		    strncmp(line + path, "/dev/zero", 9))
			continue;
		size_t dead = 0;	/* of parked threads' stacks: not read */

		for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
			uintptr_t sp = (uintptr_t)t->park_sp, base;

			if (t->parked != 1 || sp - lo >= hi - lo)
				continue;
			if (path && !strcmp(line + path, "[stack]"))
				base = lo;	/* the main thread's */
			else if (sp - t->stack_lo < t->stack_hi - t->stack_lo)
				base = t->stack_lo > lo ? t->stack_lo : lo;
			else
				continue;	/* a stack of its own making: all of it */
			add_own(s, base, sp);
			dead += sp - base;
		}
		total += hi - lo - (dead < hi - lo ? dead : hi - lo);
		if (total > SCAN_MAX)
			return -1;
		while (lo < hi) {
			int i = cand_of(s, lo);
			uintptr_t end = hi;

			if (i >= 0 && s->c[i].hi < end)
				end = s->c[i].hi;
			for (unsigned k = 0; i < 0 && k < s->nc; k++)
				if (s->c[k].lo > lo && s->c[k].lo < end)
					end = s->c[k].lo;
			add_region(s, lo, end, i);
			lo = end;
		}
	}
	return s->nomem ? -1 : 0;
}

static int by_lo(const void *a, const void *b)
{
	const struct upstare__range *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

/* Handlers the kernel holds for the program. */
static void pin_handlers(struct scan *s)
{
	for (int sig = 1; sig < NSIG; sig++) {
		struct sigaction sa;
		int i;

		if (sigaction(sig, NULL, &sa))
			continue;
		i = cand_of(s, (uintptr_t)sa.sa_handler);
		if (i >= 0)
			s->c[i].pinned = 1;
	}
}

static unsigned retire_every(void)
{
	static unsigned every;

	if (!every) {
		const char *e = getenv("UPSTARE_RETIRE_EVERY");
		long v = e ? strtol(e, NULL, 10) : RETIRE_EVERY;

		every = v >= 1 && v <= 1000 ? (unsigned)v : RETIRE_EVERY;
	}
	return every;
}

/* Is it time to look (see RETIRE_EVERY)?  prev: the previous version's patch. */
static int time_to_look(struct upstare__obj *prev)
{
	static unsigned since;
	uintptr_t lo, hi, bytes = 0;

	/* a patch bound by a later one stays anyway: its size is no reason */
	for (struct upstare__obj *o = upstare__obj_next(NULL); o != prev; o = upstare__obj_next(o))
		if (!upstare__obj_bound_to(o)) {
			upstare__obj_span(o, &lo, &hi);
			bytes += hi - lo;
		}
	if (++since < retire_every() && bytes < RETIRE_BYTES)
		return 0;
	since = 0;
	return 1;
}

void upstare__retire_patches(void)
{
	struct upstare__obj *o, *last = NULL, *prev = NULL;
	struct scan *s;
	char *maps = NULL, why[256];
	size_t len = 0;
	int changed;

	for (o = upstare__obj_next(NULL); o; o = upstare__obj_next(o)) {
		prev = last;
		last = o;
	}
	/* nothing superseded before the previous version */
	if (upstare__obj_next(NULL) == prev || upstare__obj_next(NULL) == last ||
	    !time_to_look(prev))
		return;
	s = calloc(1, sizeof(*s));
	if (!s)
		return;
	s->min = UINTPTR_MAX;
	for (o = upstare__obj_next(NULL); o != prev && s->nc < MAX_CAND; o = upstare__obj_next(o)) {
		struct cand *c = &s->c[s->nc];

		upstare__obj_span(o, &c->lo, &c->hi);
		c->o = o;
		c->pinned = upstare__obj_bound_to(o) || upstare__xlate_into(c->lo, c->hi);
		s->min = c->lo < s->min ? c->lo : s->min;
		s->max = c->hi > s->max ? c->hi : s->max;
		s->nc++;
	}
	pin_handlers(s);
	for (unsigned i = 0; i < s->nc; i++)
		if (!s->c[i].pinned)
			break;
		else if (i + 1 == s->nc)
			goto out;	/* every candidate is still in use */
	s->guard = pointer_guard();
	maps = read_all("/proc/self/maps", &len);
	if (!maps || regions(s, maps))
		goto out;
	for (o = upstare__obj_next(NULL); o; o = upstare__obj_next(o)) {
		struct upstare__range r[2];
		unsigned n = upstare__obj_own(o, r, 2);

		for (unsigned k = 0; k < n; k++)
			add_own(s, r[k].lo, r[k].hi);
	}
	{
		struct upstare__range r[2];
		unsigned n = upstare__xlate_own(r, 2);

		for (unsigned k = 0; k < n; k++)
			add_own(s, r[k].lo, r[k].hi);
	}
	{
		struct upstare__range a = upstare__arena_own();

		add_own(s, a.lo, a.hi);
	}
	/* the index of the stack maps, which points into every patch's */
	upstare__rec_own(own_cb, s);
	/* the runtime's tables of threads and its control block: no pointer
	 * there names a patch's code or data */
	add_own(s, (uintptr_t)upstare_threads, (uintptr_t)(upstare_threads + UPSTARE_MAX_THREADS));
	add_own(s, (uintptr_t)&upstare_control, (uintptr_t)(&upstare_control + 1));
	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		struct upstare__range r[4];
		unsigned n = t->parked == 1 ? upstare__shadow_dead(t, r, 4) : 0;

		for (unsigned k = 0; k < n; k++)
			add_own(s, r[k].lo, r[k].hi);
	}
	add_own(s, (uintptr_t)s, (uintptr_t)(s + 1));
	add_own(s, (uintptr_t)maps, (uintptr_t)maps + len + 1);
	add_own(s, (uintptr_t)s->r, (uintptr_t)(s->r + s->capr));
	/* the list of its own last: it may move while it grows */
	add_own(s, 0, 0);
	if (s->nomem)
		goto out;
	add_own(s, (uintptr_t)s->own, (uintptr_t)(s->own + s->capown));
	qsort(s->own, s->nown, sizeof(s->own[0]), by_lo);
	/* a mapping changed under the scan (a file shrunk): retire nothing */
	if (upstare__guarded(scan_all, s, why, sizeof(why)))
		goto out;
	/* a candidate named by one kept is kept */
	do {
		changed = 0;
		for (unsigned x = 0; x < s->nc; x++)
			for (unsigned y = 0; s->c[x].pinned && y < s->nc; y++)
				if (s->from[x][y] && !s->c[y].pinned)
					changed = s->c[y].pinned = 1;
	} while (changed);
	for (unsigned i = 0; i < s->nc; i++)
		if (!s->c[i].pinned && !upstare__xlate_forget(s->c[i].lo, s->c[i].hi))
			upstare__obj_retire(s->c[i].o);
out:
	/* zeroed: a stale copy of a candidate's address would keep what is
	 * mapped there next from being retired */
	upstare__free_zeroed(maps, len);
	upstare__free_zeroed(s->r, s->capr * sizeof(*s->r));
	upstare__free_zeroed(s->own, s->capown * sizeof(*s->own));
	upstare__free_zeroed(s, sizeof(*s));
}
