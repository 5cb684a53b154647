// SPDX-License-Identifier: GPL-2.0
/*
 * Pointers to records whose layout changed, in values the patch keeps as
 * they are (globals, locals): NULL steps, or PTR steps that lead the
 * runtime to the objects it converts on the heap (UPSTARE_HEAP_CONVERT,
 * _IN_PLACE, UPSTARE_HEAP_ARRAY), and the checks of those declarations.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "instrument.h"
#include "upstare-abi.h"
#include "upstare.h"
#include "xfgen.h"
#include "xfgen_int.h"

int xfgen_base_field(struct xfgen *x, const char **desc, long *size, const char *path,
		     unsigned long *off)
{
	*off = 0;
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		char *name = xf_desc_name(*desc);
		const struct upmeta_type *r = (*desc)[0] == 'r' ? upmeta_type(x->base, name) : NULL;
		const struct json *f = r && r->fields ? r->fields->child : NULL;

		free(name);
		for (; f; f = f->next)
			if (json_str(f, "name") && strlen(json_str(f, "name")) == len &&
			    !strncmp(json_str(f, "name"), path, len) && json_str(f, "desc") &&
			    !json_get(f, "bit_width"))
				break;
		if (!f)
			return -1;
		*off += json_int(f, "offset_bits", 0) / 8;
		*desc = json_str(f, "desc");
		*size = json_int(f, "size", 0);
		path += len + (dot ? 1 : 0);
	}
	return 0;
}

const char *xfgen_heap_array(struct xfgen *x, const char *var)
{
	for (int i = 0; i < x->narrays; i++)
		if (x->arrays[i].var && x->arrays[i].count && !strcmp(x->arrays[i].var, var)) {
			x->arrays[i].used = true;
			return x->arrays[i].count;
		}
	return NULL;
}

/*
 * A field of a record converted in place that is itself a record or an
 * array and moves: a pointer into it (a list link, an event a library
 * holds) would lead to the wrong bytes afterwards.
 */
static void moved_fields(const struct upmeta_type *o, const struct upmeta_type *n)
{
	for (const struct json *of = o->fields ? o->fields->child : NULL; of; of = of->next) {
		const char *name = json_str(of, "name"), *od = json_str(of, "desc");

		if (!name || !od || (od[0] != 'r' && od[0] != 'a'))
			continue;
		for (const struct json *nf = n->fields ? n->fields->child : NULL; nf; nf = nf->next)
			if (json_str(nf, "name") && !strcmp(json_str(nf, "name"), name) &&
			    json_int(nf, "offset_bits", 0) != json_int(of, "offset_bits", 0))
				fprintf(stderr, "upstare-cc: warning: '%s' is converted in place, and "
					"its field %s moves from byte %lld to %lld: a pointer into "
					"it would no longer lead to it\n", o->name, name,
					json_int(of, "offset_bits", 0) / 8,
					json_int(nf, "offset_bits", 0) / 8);
	}
}

int xfgen_heap_check(struct xfgen *x)
{
	int err = 0;

	for (int i = 0; i < x->narrays; i++)
		if (!x->arrays[i].used) {
			fprintf(stderr, "upstare-cc: UPSTARE_HEAP_ARRAY(%s, %s): the base has no "
				"global %s that the patch keeps (its type unchanged) and that leads "
				"to records whose layout changed\n", x->arrays[i].var,
				x->arrays[i].count, x->arrays[i].var);
			err = -1;
		}
	for (int i = 0; i < x->nuser; i++) {
		const char *name = strchr(x->user[i], ' ') + 1;
		const struct upmeta_type *o, *n;

		if ((unsigned)atoi(x->user[i]) != UPSTARE_XF_HEAP_IN_PLACE ||
		    !xf_own_changed(x, name))
			continue;
		o = upmeta_type(x->base, name);
		n = upmeta_type(x->news, name);
		if (n->size > o->size) {
			fprintf(stderr, "upstare-cc: UPSTARE_HEAP_CONVERT_IN_PLACE(\"%s\"): its "
				"objects grow from %ld to %ld bytes, and cannot be converted where "
				"they are\n", name, o->size, n->size);
			err = -1;
		} else {
			moved_fields(o, n);
		}
	}
	return err;
}

/* ------------------------------------------- pointers to changed records */

/*
 * NULL steps for the pointers a value of shape desc holds (by value, in
 * records and arrays) that lead to records whose layout changed: the
 * objects they point to would be read with the new layout.  Union members
 * are not followed (which one holds a pointer is not known).
 */
static void watch(const struct xfgen *x, struct deriv *d, unsigned long off, const char *desc,
		  unsigned long size, const char *what, int depth)
{
	char sub[512], *name;

	if (depth > 32)
		return;
	if (desc[0] == 'p') {
		const char *which = NULL;

		name = xf_desc_name(desc);
		if (!name[0] || !xf_rec_changed_at(x, name, &which)) {
			free(name);
			return;
		}
		if (desc[1] == '<' && xf_heap_converted(x, name)) {
			/* a root of the heap conversion */
			snprintf(sub, sizeof(sub), "%s", what);
			xf_push(d, __UPSTARE_XOP_PTR, off, off, size, size, sub)->type = name;
			return;
		}
		if (which && strcmp(which, name))
			snprintf(sub, sizeof(sub), "%s, a pointer to '%s' (which leads to '%s', whose "
				 "layout changed),", what, name, which);
		else
			snprintf(sub, sizeof(sub), "%s, a pointer to '%s', whose layout changed,",
				 what, name);
		xf_push(d, __UPSTARE_XOP_NULL, off, 0, size, 0, sub);
		free(name);
	} else if (desc[0] == 'r') {
		const struct upmeta_type *r;

		name = xf_desc_name(desc);
		r = upmeta_type(x->news, name);
		free(name);
		if (!r || !r->fields || (r->kind && strcmp(r->kind, "struct")))
			return;
		for (const struct json *f = r->fields->child; f; f = f->next) {
			if (!json_str(f, "desc") || !json_str(f, "name") || json_get(f, "bit_width"))
				continue;
			snprintf(sub, sizeof(sub), "%s.%s", what, json_str(f, "name"));
			watch(x, d, off + json_int(f, "offset_bits", 0) / 8, json_str(f, "desc"),
			      json_int(f, "size", 0), sub, depth + 1);
		}
	} else if (desc[0] == 'a') {
		unsigned long n = strtoul(desc + 1, NULL, 10), at = d->n;

		if (!n || !strchr(desc, ':'))
			return;
		snprintf(sub, sizeof(sub), "%s[]", what);
		/* the same offsets in the old and the "new" (in place, or a copy) */
		xf_push(d, __UPSTARE_XOP_ARRAY, off, off, size / n, size / n, what);
		watch(x, d, 0, strchr(desc, ':') + 1, size / n, sub, depth + 1);
		if (d->n == at + 1) {
			free(d->v[at].what);
			d->n = at;	/* nothing to watch in the elements */
			return;
		}
		d->v[at].count = n;
		d->v[at].ostride = d->v[at].nstride = size / n;
		d->v[at].nbody = d->n - at - 1;
	}
}

/*
 * The root of a declared array (UPSTARE_HEAP_ARRAY): a pointer to records
 * converted on the heap, or to pointers to them, as many as cnt says.
 */
static int watch_array(const struct xfgen *x, struct deriv *d, const char *desc,
		       unsigned long size, const char *what, const struct xfgen_count *cnt)
{
	char *name = xf_desc_name(desc), sub[512];
	bool pp = !strncmp(desc, "pp<", 3);
	struct op *op;

	if ((!pp && strncmp(desc, "p<", 2)) || !xf_heap_converted(x, name)) {
		fprintf(stderr, "upstare-cc: UPSTARE_HEAP_ARRAY(%s, %s): %s is not a pointer to "
			"records converted on the heap (a record whose layout changed and that "
			"the patch declares with UPSTARE_HEAP_CONVERT), nor to pointers to them\n",
			what, cnt->name, what);
		free(name);
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s[%s]", what, cnt->name);
	op = xf_push(d, __UPSTARE_XOP_PTR, 0, 0, size, size, sub);
	op->type = name;
	op->flags = __UPSTARE_XOP_COUNTED | (pp ? __UPSTARE_XOP_PTRS : 0) |
		    (cnt->is_signed ? __UPSTARE_XOP_OSIGNED : 0);
	op->count = cnt->size;
	op->count_sym = xstrdup(cnt->sym);
	op->count_off = cnt->off;
	return 0;
}

int xfgen_watch(struct xfgen *x, struct sb *out, const char *id, const char *what,
		const char *label, const char *desc, unsigned long size,
		const struct xfgen_count *cnt)
{
	struct image im = { .why = "watched" };
	struct deriv d = { .im = &im };
	int n;

	if (!desc)
		return 0;
	if (!cnt)
		watch(x, &d, 0, desc, size, what, 0);
	else if (watch_array(x, &d, desc, size, what, cnt))
		return -1;
	n = d.n;
	if (n)
		xf_emit(out, id, &d, &im);
	if (n && x->explain) {
		unsigned long nnull = 0;

		for (unsigned long i = 0; i < d.n; i++)
			nnull += d.v[i].op == __UPSTARE_XOP_NULL;
		if (nnull)
			fprintf(stderr, "upstare-cc: %s leads to records whose layout changed: the "
				"update is refused unless %s when it comes\n", label ? label : what,
				nnull == 1 ? "that pointer is NULL" : "those pointers are NULL");
		else if (cnt)
			fprintf(stderr, "upstare-cc: %s points to an array of %s %s converted on "
				"the heap (UPSTARE_HEAP_ARRAY)\n", what, cnt->name,
				d.v[0].flags & __UPSTARE_XOP_PTRS ? "pointers to objects" :
				"objects");
		else
			fprintf(stderr, "upstare-cc: %s points to objects converted on the heap "
				"(UPSTARE_HEAP_CONVERT)\n", label ? label : what);
	}
	xf_deriv_free(&d);
	return n ? 1 : 0;
}

/*
 * Each local of the new version's functions that may continue an old
 * frame (a function of that name is in the base): fn(arg, function, key,
 * desc, size).
 */
void xfgen_each_local(struct xfgen *x, void (*fn)(void *, const char *, const char *,
						  const char *, long), void *arg)
{
	for (size_t i = 0; i < x->news->nfns; i++) {
		const struct upmeta_fn *f = &x->news->fns[i];
		const struct json *ls = json_get(f->doc, "locals");

		if (!upmeta_function_named(x->base, f->name))
			continue;
		for (const struct json *l = ls && ls->type == JSON_ARR ? ls->child : NULL; l;
		     l = l->next) {
			const char *desc = json_str(l, "desc");

			if (!desc || !strchr(desc, '<') ||
			    (desc[0] != 'p' && desc[0] != 'r' && desc[0] != 'a'))
				continue;
			fn(arg, f->name, json_str(l, "key") ?: json_str(l, "name"), desc,
			   json_int(l, "size", 0));
		}
	}
}
