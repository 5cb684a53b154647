/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Internal interfaces of libupstare, layer by layer.  Each file calls only
 * the files listed before it: those of the layers below, and those before
 * it in its own layer.  Nothing calls upwards but through one hook, which
 * the upper file sets: heap.c gives convert.c the functions its pointer
 * steps call (upstare__ptr_sink).  Signal, fork and thread-exit handlers
 * are installed by the layer they belong to.  Documentation/design.rst
 * has the map, and how to check it from the objects:
 *
 *   1. control.c, ptrmap.c     the control block, its futexes, clock and
 *                              reasons, the poll flag; an address map
 *   2. registry.c              the threads, their state, the update signal
 *   3. frames.c                frame records' relocation, the side stack
 *   4. guard.c, load.c,        a patch: run guarded, loaded, checked and
 *      patch.c, retire.c       its function map (struct upstare_patch);
 *                              superseded ones unmapped
 *   5. xfstate.c, convert.c,   the transform: generated conversions,
 *      heap.c, transform.c     objects on the heap, globals and frames,
 *                              the transformers' deadline
 *   6. transition.c            the protocol, the only writer of the
 *                              phase (transition.h: what layer 7 calls)
 *   7. entry.c, wrap.c,        where the program enters: update points,
 *      threads.c, main.c       wrappers, thread entries, init
 */
#ifndef UPSTARE_RUNTIME_H
#define UPSTARE_RUNTIME_H

#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#define __UPSTARE_RUNTIME
#include "upstare-abi.h"
#include "upstare-ctl.h"

/* ----------------------------------------------- control.c: control block */

extern struct upstare_control upstare_control;

/* An address range [lo, hi). */
struct upstare__range {
	uintptr_t lo, hi;
};
/* Set at start in self-test mode (entry.c): the update leaves __upstare_pending up. */
extern int upstare__selftest __attribute__((visibility("hidden")));

void upstare__fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
/* Append a line to the control block's reasons. */
void upstare__reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* CLOCK_MONOTONIC in ns, the clock of the control block's times. */
static inline uint64_t upstare__mono_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static inline void upstare__futex_wait(uint32_t *w, uint32_t val, long timeout_ns)
{
	struct timespec t = { timeout_ns / 1000000000l, timeout_ns % 1000000000l };

	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, timeout_ns ? &t : NULL, NULL, 0);
}

static inline void upstare__futex_wake(uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

/*
 * Free a block that held addresses of some version (a frame record, a
 * table of functions), zeroed first: retire.c reads the whole heap, and a
 * stale copy would keep that version mapped.
 */
static inline void upstare__free_zeroed(void *p, size_t size)
{
	if (p)
		explicit_bzero(p, size);
	free(p);
}

/*
 * ptrmap.c (layer 1): a map from addresses to addresses (a NULL key is no
 * key), open addressing, at most half full.  put replaces the value of a
 * key already there; clear keeps the storage.
 */
struct upstare__ptrmap {
	struct upstare__ptrpair {
		void *key, *val;
	} *t;
	unsigned bits;		/* 2^bits slots, when t */
	size_t n;
};

static inline size_t upstare__ptrmap_slot(const void *key, unsigned bits)
{
	return (size_t)(((uintptr_t)key >> 3) * 0x9e3779b97f4a7c15ull >> (64 - bits));
}

/* The value of key, or NULL. */
static inline void *upstare__ptrmap_get(const struct upstare__ptrmap *m, const void *key)
{
	size_t mask, i;

	if (!m->t)
		return NULL;
	mask = ((size_t)1 << m->bits) - 1;
	for (i = upstare__ptrmap_slot(key, m->bits); m->t[i].key; i = (i + 1) & mask)
		if (m->t[i].key == key)
			return m->t[i].val;
	return NULL;
}

int upstare__ptrmap_put(struct upstare__ptrmap *m, void *key, void *val);
void upstare__ptrmap_clear(struct upstare__ptrmap *m);
void upstare__ptrmap_free(struct upstare__ptrmap *m);

/* -------------------------------------------- registry.c: thread registry */

struct thread_state {
	int unwinding, rebuilding, nr_depth;
	int in_runtime;		/* running transformers: no update point parks */
	int update_unwind;	/* this unwind is for a live update */
	int parked;		/* counted in the control block's nparked */
	int registered;
	volatile int kicked;	/* the update signal arrived since the last check */
	pid_t tid;
	void *wait_cond;	/* the pthread_cond_t it waits on, or NULL */
	const void *resume_call;	/* the wrapper whose partial transfer the */
	size_t resume_done;		/* rebuilt call goes on with, and how far */
	struct upstare_thread_slot *slot;	/* its upstare_threads[] entry */
	unsigned long polls;
	struct frame *top;	/* saved frames */
	void *resuming;		/* popped record whose frame is not at its point yet */
	struct frame *newtop;	/* the same, transformed for the new code */
	struct reloc *relocs;
	unsigned nrelocs, caprelocs;
	struct shadow_chunk *sh_chunk;	/* side stack: the chunk in use */
	void *park_sp;		/* parked: its stack from here up is live */
	void *park_sh_top;	/* parked: its side stack up to here is live */
	uintptr_t stack_lo, stack_hi;	/* its pthread stack (0 for main's) */
	struct thread_state *next_thread;
};

extern __thread struct thread_state upstare__ts;
extern struct upstare_thread_slot upstare__unregistered_slot;
extern struct upstare_thread_slot upstare_threads[UPSTARE_MAX_THREADS];
extern struct thread_state *upstare__threads;	/* registered threads */
/* hidden: the lock is taken as a static would be, without the GOT */
extern int upstare__reg_lock __attribute__((visibility("hidden")));

/* The registry's lock: a spin lock, held briefly. */
static inline void upstare__registry_lock(void)
{
	while (__atomic_exchange_n(&upstare__reg_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static inline void upstare__registry_unlock(void)
{
	__atomic_store_n(&upstare__reg_lock, 0, __ATOMIC_RELEASE);
}

/*
 * At start: choose the update signal, and have on_exit called for every
 * registered thread at its exit.
 */
void upstare__registry_init(void (*on_exit)(void *));
int upstare__update_signal(void);
void upstare__thread_register(void);
void upstare__thread_unregister(void);
/* A forked child: its thread alone is registered. */
void upstare__registry_after_fork(void);
/* Signal the threads not parked that block, wake those waiting on a condition. */
void upstare__kick_unparked(void);

/* -------------------------------- frames.c: frame records, the side stack */

/* A saved frame record and the list it is on (innermost first). */
struct frame {
	struct frame *next;
	unsigned long size;
	struct __upstare_frame_hdr hdr;	/* the generated record starts here */
};

/* A frame record popped, freed so. */
static inline void upstare__free_frame(struct frame *f)
{
	if (f)
		upstare__free_zeroed(f, offsetof(struct frame, hdr) + f->size);
}

/* Where a saved frame's local was and where its rebuilt frame has it. */
struct reloc {
	char *old, *new;
	unsigned long size;
};

void upstare__free_frames(struct frame *f);
/* The thread is exiting: free its side stack and relocation table. */
void upstare__thread_release(void);
/* The dead parts of a parked thread's side stack (retire.c skips them). */
unsigned upstare__shadow_dead(const struct thread_state *t, struct upstare__range *r,
			      unsigned max);

/* ---------------------------- guard.c, load.c, patch.c, retire.c: a patch */

/*
 * guard.c: run fn(arg) with faults and exit()/abort() in it returned as
 * -EFAULT, what happened in why ("received SIGSEGV (address 0x8)").
 * guard_cancel: this thread leaves a guarded call by another way (the
 * transformers' deadline).  guard_stub: the runtime's stand-in for a
 * patch's reference to exit functions, or NULL.
 */
int upstare__guarded(int (*fn)(void *), void *arg, char *why, size_t n);
void upstare__guard_cancel(void);
void *upstare__guard_stub(const char *name);
/*
 * A patch mapped and linked by libupstare's loader (load.c), from a file
 * descriptor: no path, no dynamic linker.  obj_load gives NULL with the
 * reasons; obj_unload runs its finalizers and unmaps it (not applied);
 * obj_commit adds it to the applied patches, whose symbols later patches
 * and upstare__sym() see.  obj_sym: a symbol o defines.  obj_has_pc: is pc
 * in o's code (async-signal-safe).  upstare__sym: a symbol of the program,
 * its libraries or an applied patch, where a patch's reference would bind.
 */
struct upstare__obj;
struct upstare__obj *upstare__obj_load(int fd, const char *name);
void upstare__obj_unload(struct upstare__obj *o);
void upstare__obj_commit(struct upstare__obj *o);
/* records.c's own memory, range by range (retire.c leaves it out of its scan). */
void upstare__rec_own(void (*add)(void *arg, uintptr_t lo, uintptr_t hi), void *arg);
void *upstare__obj_sym(const struct upstare__obj *o, const char *name);
int upstare__obj_has_pc(const struct upstare__obj *o, uintptr_t pc);
void *upstare__sym(const char *name);
/* The hex GNU build id of a note area (load.c): 0, or -1 when it has none. */
int upstare__build_id(const void *notes, size_t size, char *hex, size_t hexsz);
/* The loader's table of where patches are mapped. */
struct upstare__range upstare__arena_own(void);

/* The functions of one version: where frames and pointers go. */
struct upstare__fntab {
	const struct __upstare_fdesc *begin, *end;
};

/* A patch, loaded (patch.c). */
struct upstare_patch {
	struct upstare__obj *obj;	/* the patch, loaded */
	const struct __upstare_patch *p;
	struct upstare__fntab fns;
	char build_id[64];
};

/*
 * The patch being prepared, or applied last: patch.c writes it, the
 * layers above read it (its p is NULL while it loads).
 */
extern const struct upstare_patch *const upstare__patch;

void upstare__functions_init(void);
/* The function a thread entry calls to rebuild: fn, or its new version. */
void *upstare__entry_fn(void *fn);
/* The file name of a path, without its directories ("" for NULL). */
const char *upstare__base_name(const char *p);
/* The functions of the version running now. */
const struct upstare__fntab *upstare__cur_fns(void);
const struct __upstare_fdesc *upstare__fn_lookup(const struct upstare__fntab *t,
						 const char *name, const char *file);
/*
 * Prepare: the requested patch received from the controller, checked and
 * loaded (NULL with the reasons); then, once the transformers' checks
 * passed (transform.c), its function map planned (0, or -EINVAL with the
 * reason).  patch_unload: it is not applied (also after a failed plan);
 * patch_release: the update is over.
 */
struct upstare_patch *upstare__patch_load(void);
int upstare__patch_plan(void);
void upstare__patch_unload(void);
void upstare__patch_release(void);
/* The patch's declaration (upstare.h) of that kind for a (and b), or NULL. */
struct upstare_xform;
const struct upstare_xform *upstare__xf_find(unsigned kind, const char *a, const char *b);
/* Old functions translate to the patch's from now on. */
int upstare__commit_functions(void);
/*
 * The function map and retired patches: does an old address translate to
 * a function in [lo, hi); forget the old addresses in [lo, hi) (0 or
 * -ENOMEM, the map unchanged); the map's own storage (up to max ranges).
 */
int upstare__xlate_into(uintptr_t lo, uintptr_t hi);
int upstare__xlate_forget(uintptr_t lo, uintptr_t hi);
unsigned upstare__xlate_own(struct upstare__range *r, unsigned max);
/*
 * The applied patches and their retirement (retire.c).  obj_next: the
 * applied patch after o (NULL: the first), oldest first; obj_span: its
 * reservation; obj_bound_to: does an applied patch bind symbols to it;
 * obj_own: the runtime's storage that names it (up to max ranges);
 * obj_retire: unlink and unmap it.
 */
struct upstare__obj *upstare__obj_next(const struct upstare__obj *o);
void upstare__obj_span(const struct upstare__obj *o, uintptr_t *lo, uintptr_t *hi);
int upstare__obj_bound_to(const struct upstare__obj *o);
unsigned upstare__obj_own(const struct upstare__obj *o, struct upstare__range *r, unsigned max);
void upstare__obj_retire(struct upstare__obj *o);
/*
 * Unmap the applied patches superseded before the previous version that
 * nothing refers to any more: every thread is parked, the update committed.
 */
void upstare__retire_patches(void);

/* --------------- xfstate.c, convert.c, heap.c, transform.c: the transform */

/*
 * xfstate.c: what upstare_fail() last said on this thread, and whether
 * the transformers' deadline may stop the thread where it is (xf_arm():
 * transform.c's timer; heap.c arms it around the patch's transformers).
 */
extern __thread char upstare__fail_msg[512] __attribute__((visibility("hidden")));
extern volatile sig_atomic_t upstare__xf_armed __attribute__((visibility("hidden")));
void upstare__xf_arm(int on);
/*
 * Where the generated conversions (convert.c) put the pointers to heap
 * objects that their PTR steps copied: slot, one pointer to convert (where
 * it is, in the new storage or, in_place, in old storage kept); array, a
 * pointer to n of them (ptrs: to n pointers to them; UPSTARE_HEAP_ARRAY);
 * 0 or -ENOMEM.  heap.c, above convert.c, sets it when the transform
 * begins (upstare__heap_begin()): the one hook upwards in libupstare.
 */
struct upstare__ptr_sink {
	int (*slot)(void **where, const char *type, int in_place);
	int (*array)(void **where, const char *type, unsigned long n, int ptrs, int in_place);
};
extern const struct upstare__ptr_sink *upstare__ptr_sink;
/*
 * convert.c: the patch's generated conversion of a changed global.  Does
 * the global still hold its initial value?  Convert it (0, or -EINVAL with
 * upstare_fail()).
 */
int upstare__gen_unchanged(const struct __upstare_global_move *m, const void *old);
/* The generated conversion the transformer about to run may take (upstare.h). */
void upstare__default_set(const struct __upstare_xgen *gen, unsigned long old_size,
			  unsigned long new_size);
/*
 * The generated conversion of m run at prepare into scratch storage that
 * starts as new_init (no pointer moved): what would refuse it now (a
 * pointer that must be NULL, a value out of range); 0 or -errno with
 * upstare_fail().
 */
int upstare__gen_dry_run(const struct __upstare_global_move *m, const void *old,
			 const void *new_init);
int upstare__gen_convert(const struct __upstare_global_move *m, const void *old, void *new);
/*
 * A local of (old) type TYPE, "struct s" or an array of them, whose
 * layout changed, by the type's generated conversion: 0, -ENOENT when the
 * patch has none for it, -EINVAL with upstare_fail() when it fails.
 */
int upstare__gen_local(const char *type, const void *old, unsigned long osize, void *new,
		       unsigned long nsize);
/*
 * The record a type spelling holds by value ("const struct s[4]" -> "struct
 * s", its length in *len), or NULL for a pointer or a function; the
 * patch's generated conversion of the record or enum named so, or NULL.
 */
const char *upstare__record_of(const char *type, size_t *len);
const struct __upstare_type_conv *upstare__type_conv(const char *name, size_t len);
/*
 * A watched global or local (struct __upstare_watch): 0 when its pointers
 * to records whose layout changed are NULL, else -EINVAL with
 * upstare_fail().  watch_local: the watch of a local of the new version,
 * or NULL.
 */
int upstare__watch_check(const struct __upstare_watch *w, const void *old, void *new);
const struct __upstare_watch *upstare__watch_local(const char *function, const char *key);
/* One object of a type whose layout changed into a new one (heap.c). */
int upstare__gen_object(const struct __upstare_type_conv *tc, const void *old, void *new);
/*
 * heap.c: the objects reached through pointers to types the patch
 * declares with UPSTARE_HEAP_CONVERT (upstare__ptr_sink).  heap_convert:
 * convert every object reached, once every global and frame is converted
 * (0, or -EINVAL with the reason); heap_end: free the new objects and put
 * the in-place slots back (rollback), or keep them.
 */
void upstare__heap_begin(void);
int upstare__heap_convert(void);
size_t upstare__heap_converted(void);
void upstare__heap_end(int rollback);
/*
 * transform.c.  The transform phase under a deadline (CLOCK_MONOTONIC
 * ns): begin arms a timer that interrupts the leader in a user transformer
 * at the deadline; end disarms it and, when the update is not committed
 * (rollback != 0), puts back the bytes of old state the transformers could
 * reach (old storage of changed globals, saved frames given to stack
 * transformers).
 */
int upstare__transform_begin(uint64_t deadline_ns);
void upstare__transform_end(int rollback);
/* From the update signal's handler: a transformer's deadline timer fired. */
void upstare__xform_deadline_signal(const siginfo_t *si, void *uc);
/* Is every changed global covered by a transformer?  Checked at prepare. */
int upstare__check_moves(void);
int upstare__transform_globals(void);
/* Each parked thread's frames converted into its newtop list. */
int upstare__transform_frames(void);
/*
 * upstare__heap_convert(), the patch's transformers it calls under the
 * transformers' deadline: heap.c arms it (xf_arm(1)) around each call.
 */
int upstare__transform_heap(void);
/* The patch's PRE_COMMIT or ON_ROLLBACK hooks (upstare.h); 0 or the first error. */
int upstare__run_hooks(unsigned kind);
/* Why frame f cannot be converted to the patch's code, or NULL (a guess:
 * before the transformers run). */
const char *upstare__unmappable(const struct frame *f);

/* ----------------------------------------- transition.c: see transition.h */

/* ------------------------------------ entry.c: the runtime's entry points */

void upstare__init(void);
/* A thread's stack has unwound to its entry wrapper: park, then rebuild. */
int upstare__entry_unwound(void);
/* A forked child, or a clone() child with its own memory (wrap.c). */
void upstare__after_fork_child(void);


#endif
