/* SPDX-License-Identifier: GPL-2.0 */
/* The transformers upstare-cc --patch generates for changed globals. */
#ifndef UPSTARE_XFGEN_H
#define UPSTARE_XFGEN_H

#include <stdbool.h>

#include "strbuf.h"

struct xfgen;

/* A global as the metadata of one version describes it. */
struct xfgen_var {
	const char *name, *type, *desc, *source;
	long size, line;
};

/*
 * base and news: the versions' metadata (controller/upmeta.h), which the
 * caller keeps until xfgen_close(); base_path: the program or patch the
 * patch applies to.
 */
struct upmeta;
struct xfgen *xfgen_open(const struct upmeta *base, const struct upmeta *news,
			 const char *base_path, bool explain);
/*
 * Append to out the C definition of "static const struct __upstare_xgen
 * id", the conversion of global ov (kept at old_storage in the base) to nv.
 * What cannot be derived is reported on stderr with a template.
 */
int xfgen_global(struct xfgen *x, struct sb *out, const char *id, const struct xfgen_var *ov,
		 const struct xfgen_var *nv, const char *old_storage);
/*
 * The same for locals of record or enum type name, whose layout changed:
 * "static const struct __upstare_xgen id" (no initial value), and the
 * type's sizes; -1 when the metadata does not describe it.
 */
int xfgen_type(struct xfgen *x, struct sb *out, const char *id, const char *name,
	       long *old_size, long *new_size);
/* The integer global an UPSTARE_HEAP_ARRAY(global, count) holds the count in. */
struct xfgen_count {
	const char *name;	/* as declared: "nthreads", "settings.num_threads" */
	const char *sym;	/* its storage in the base */
	unsigned long off;	/* the field's offset in it */
	unsigned long size;
	bool is_signed;
};
/*
 * The field path (".num_threads", "" for the value itself) of a value of
 * the base of shape *desc, its size *size: its offset in *off, its shape and
 * size in *desc and *size; 0, or -1 if the base has no such field.
 */
int xfgen_base_field(struct xfgen *x, const char **desc, long *size, const char *path,
		     unsigned long *off);
/*
 * For a value (a global whose type did not change, or a local) of shape
 * desc, named what (label: in --explain, or NULL): "static const struct
 * __upstare_xgen id" whose NULL steps check the pointers it holds that lead
 * to records whose layout changed, and whose PTR steps follow those to
 * records converted on the heap (cnt: a global declared an array of them);
 * 1 if there are any (and id was defined), 0 if none, -1 on an error
 * (reported).
 */
int xfgen_watch(struct xfgen *x, struct sb *out, const char *id, const char *what,
		const char *label, const char *desc, unsigned long size,
		const struct xfgen_count *cnt);
/* The count of global var, declared by UPSTARE_HEAP_ARRAY(var, count), or NULL. */
const char *xfgen_heap_array(struct xfgen *x, const char *var);
/*
 * After every global: each UPSTARE_HEAP_ARRAY used, each type converted in
 * place not larger in the new version; 0, or -1 (reported).
 */
int xfgen_heap_check(struct xfgen *x);
/* Call fn for each local of the new version whose shape names a record. */
void xfgen_each_local(struct xfgen *x, void (*fn)(void *, const char *, const char *,
						  const char *, long), void *arg);
/* Note the transformers the patch's objects declare (upstare.h). */
void xfgen_user_xforms(struct xfgen *x, char **objs, int nobjs);
void xfgen_close(struct xfgen *x);

#endif
