// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Frame records and the side stack.
 *
 * A frame record (struct frame, runtime.h) is what an instrumented
 * function saves of itself when its thread unwinds: its locals and its
 * continuation point.  entry.c pushes and pops them; here they are
 * relocated when rebuilt (locals that pointed into a saved frame go to the
 * rebuilt frame's address), freed, and the address-taken locals live on
 * the side stack.  Above the thread registry only.
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare.h"

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
