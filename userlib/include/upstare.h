/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Public interface of libupstare, the runtime linked into every program
 * built with upstare-cc, and of the transformers a patch may carry.
 *
 * A patch (upstare-cc --patch) holds the new version's code.  By default
 * an update keeps every global whose type did not change where it is
 * (read-only data excepted: the new version's values),
 * rebuilds every frame in the function of the same name at the
 * continuation point of the same key, and copies the locals whose type did
 * not change: those in scope there by name and by the block that declares
 * them, the others by key (new locals start zeroed; runtime.rst, "Default
 * mapping and transformers"), and converts every global whose type
 * changed with the transformer upstare-cc --patch generates for it
 * (patches.rst: fields by name, integers range-checked, enums by value
 * name; a global that kept its initial value takes the new one).  A patch
 * overrides that with the declarations below, written in any C file of
 * the patch:
 *
 *	UPSTARE_GLOBAL_TRANSFORMER(cfg, xform_cfg);
 *		int xform_cfg(void *new_obj, const void *old_obj, size_t old_size);
 *		called once for global cfg, whose type changed; the new storage
 *		starts as the new version initializes it.
 *	UPSTARE_TYPE_TRANSFORMER("struct cfg", xform_cfg);
 *		the same, for every changed global of that (new) type that
 *		has no transformer of its own, and for each object of it
 *		converted on the heap (new_obj starts zeroed; see
 *		upstare_heap_pointer()).
 *	UPSTARE_STACK_TRANSFORMER("handle", xform_handle);
 *		int xform_handle(struct upstare_frame *f);
 *		called for each saved frame of handle(), after the default
 *		mapping; reach locals with upstare_frame_old()/_new().
 *	UPSTARE_MAP_FUNCTION("do_send_binary", "do_send_file");
 *		frames of the old function are rebuilt in the new one.
 *	UPSTARE_MAP_KEY("do_send_binary", "read#1", "recv#1");
 *		a frame of the (old) function at the old key resumes at the
 *		new key.
 *	UPSTARE_HEAP_CONVERT("struct node");
 *		objects of that record type (whose layout changed) reached
 *		through typed pointers are converted to new objects and the
 *		pointers moved to them (patches.rst, "Objects on the heap").
 *		The patch's author says by it that no other kind of pointer
 *		(void *, a union, an integer, a pointer into the middle of one,
 *		an array of them) leads to such an object.
 *	UPSTARE_HEAP_CONVERT_IN_PLACE("struct conn");
 *		the same, but each object is converted where it is, so that
 *		a void * or a pointer into it (to a field that keeps its
 *		offset) still leads to it; the new layout must not be larger.
 *	UPSTARE_HEAP_ARRAY(conns, max_fds);
 *		global conns points to an array of max_fds (an integer
 *		global: its value when the update comes) objects, or of
 *		pointers to objects, of a type converted on the heap.
 *
 * Transformers return 0, or a negative errno to refuse the update: the
 * process is then rolled back and continues in the old version.  They run
 * while every thread is parked.  upstare_fail() records a reason.
 */
#ifndef UPSTARE_H
#define UPSTARE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define UPSTARE_VERSION "0.1"

/* How many times this process has unwound and rebuilt a thread's stack. */
unsigned long upstare_rebuild_count(void);
/* How many live updates this process has applied. */
unsigned int upstare_generation(void);

struct upstare_frame;

/*
 * The saved (old) local KEY of the frame, or NULL; its size in *size.  A
 * local's key is its name, "#N" added for the N-th local of that name in
 * the function (parameters first, then in source order): "p", "p#2".
 */
void *upstare_frame_old(struct upstare_frame *f, const char *key, size_t *size);
/* The local KEY of the frame being built for the new code, or NULL. */
void *upstare_frame_new(struct upstare_frame *f, const char *key, size_t *size);
/* The function and continuation key the frame was saved at. */
const char *upstare_frame_function(struct upstare_frame *f);
const char *upstare_frame_key(struct upstare_frame *f);
/* Resume the new frame at another continuation key; 0 or -ENOENT. */
int upstare_frame_set_key(struct upstare_frame *f, const char *key);
/*
 * During a transformer or a hook: the old storage of global NAME (by source
 * name), where the running version keeps it (after earlier patches too).
 * "name" is the program's global of that name, or, if there is none, the
 * one static of that name; a static is also "file:name", file its
 * source's base name ("slabs.c:rebalance_tid").  NULL if there is none
 * (or, for a static as "name", several files have one), and outside the
 * patch's transformers and hooks: after the update the old storage is
 * not the program's any more.
 */
void *upstare_old_global(const char *name);
/*
 * In a transformer of a type converted on the heap (UPSTARE_TYPE_TRANSFORMER
 * of a type declared UPSTARE_HEAP_CONVERT): the pointer at where, in the
 * new object, leads to an object of type (converted on the heap too) that
 * is to be converted and the pointer moved to it, as the generated
 * conversion does for each such pointer.  0, or -ENOENT if the patch does
 * not convert that type, -ENOMEM.
 */
int upstare_heap_pointer(void **where, const char *type);
/*
 * In a transformer of a global or a type whose conversion upstare-cc
 * generates (in full or in part: --explain says "left to a transformer"
 * for each field it cannot derive): run the generated steps on new_obj
 * (fields by name, integers range-checked, enums by name, ...); what they
 * cannot derive is left as it is, for the transformer to fill.  0 or a
 * negative errno (the step's reason recorded).
 */
int upstare_convert_default(void *new_obj, const void *old_obj);
/*
 * In such a transformer: the field of the old object by name ("v",
 * "c.buf"), also one the new version removed or whose conversion could not
 * be derived, and its size; NULL if the old layout has no such field the
 * conversion names.
 */
const void *upstare_old_field(const void *old_obj, const char *field, size_t *size);
/*
 * In a transformer or a hook: the patch's (new version's) function NAME,
 * of the source file whose base name is FILE ("thread.c": a static
 * function), or of any file when FILE is NULL and only one function has
 * that name; NULL if there is none (or, FILE NULL, several), and outside
 * the patch's transformers and hooks.  For state
 * outside the converted data that names a function: a callback
 * registered with a library (patches.rst, "Hooks").
 */
void *upstare_new_function(const char *name, const char *file);
/* Record why a transformer refuses the update (shown in the reasons). */
void upstare_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

enum upstare_xform_kind {
	UPSTARE_XF_GLOBAL = 1,
	UPSTARE_XF_TYPE,
	UPSTARE_XF_STACK,
	UPSTARE_XF_MAP_FUNCTION,
	UPSTARE_XF_MAP_KEY,
	UPSTARE_XF_HEAP,
	UPSTARE_XF_HEAP_IN_PLACE,
	UPSTARE_XF_HEAP_ARRAY,
	UPSTARE_XF_PRE_COMMIT,
	UPSTARE_XF_ON_ROLLBACK,
};

struct upstare_xform {
	unsigned int kind;	/* enum upstare_xform_kind */
	const char *a, *b, *c;	/* names: see the macros */
	int (*obj)(void *new_obj, const void *old_obj, size_t old_size);
	int (*frame)(struct upstare_frame *f);
	int (*hook)(void);
};

#define __UPSTARE_XF(id) static const struct upstare_xform id \
	__attribute__((used, section("upstare_xf")))
#define __UPSTARE_CAT2(a, b) a##b
#define __UPSTARE_CAT(a, b) __UPSTARE_CAT2(a, b)
#define __UPSTARE_XFID __UPSTARE_CAT(__upstare_xf_, __COUNTER__)

#define UPSTARE_GLOBAL_TRANSFORMER(var, fn) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_GLOBAL, #var, 0, 0, fn, 0 }
#define UPSTARE_TYPE_TRANSFORMER(type, fn) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_TYPE, type, 0, 0, fn, 0 }
#define UPSTARE_STACK_TRANSFORMER(func, fn) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_STACK, func, 0, 0, 0, fn }
#define UPSTARE_MAP_FUNCTION(old, new) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_MAP_FUNCTION, old, new, 0, 0, 0 }
#define UPSTARE_MAP_KEY(func, old_key, new_key) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_MAP_KEY, func, old_key, new_key, 0, 0 }
#define UPSTARE_HEAP_CONVERT(type) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_HEAP, type, 0, 0, 0, 0 }
#define UPSTARE_HEAP_CONVERT_IN_PLACE(type) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_HEAP_IN_PLACE, type, 0, 0, 0, 0 }
#define UPSTARE_HEAP_ARRAY(var, count) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_HEAP_ARRAY, #var, #count, 0, 0, 0 }
/*
 * Hooks, for state outside what the update converts (a library's
 * registrations of old objects, descriptors, threads): fn, int fn(void),
 * runs in the leader with every thread parked.  A PRE_COMMIT hook runs
 * once every transformer and conversion succeeded, just before the commit,
 * under the update's deadline; it returns 0, or a negative errno (with
 * upstare_fail()) to roll the update back.  An ON_ROLLBACK hook runs when
 * an update rolls back after its transformers could run, before the old
 * state is put back and the new objects freed, under a deadline of its
 * own: it undoes what the transformers and hooks did outside that state.
 */
#define UPSTARE_PRE_COMMIT(fn) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_PRE_COMMIT, #fn, 0, 0, 0, 0, fn }
#define UPSTARE_ON_ROLLBACK(fn) \
	__UPSTARE_XF(__UPSTARE_XFID) = { UPSTARE_XF_ON_ROLLBACK, #fn, 0, 0, 0, 0, fn }

#ifdef __cplusplus
}
#endif

#endif
