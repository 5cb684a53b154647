// SPDX-License-Identifier: GPL-2.0
/*
 * The patch generator's transformers for changed globals.
 *
 * upstare-cc --patch has the metadata of both versions: every global's
 * type and canonical shape (helpers.c, type_desc), and the layout of every
 * record and the values of every enum.  For each global whose type
 * changed, this file derives a conversion as a list of steps the runtime
 * interprets (struct __upstare_xop, upstare-abi.h): fields matched by
 * name, integers widened or narrowed with a range check, enums mapped by
 * the names of their values, floating types converted, arrays element by
 * element.  New fields keep what the new version's initializer gives
 * them; dropped fields are reported.  A pointer to a record whose layout
 * changed, or whose target type became another, must be NULL (a NULL
 * step), unless the objects are converted on the heap (xfgen_watch.c).
 * What cannot be derived (a union whose live member is unknown, a type
 * that became another) is named with its file and line, with a template
 * of the transformer to write; the other fields of the record are still
 * derived, for a transformer to take (upstare_convert_default()).
 *
 * Beside the steps it records the global's initial value in the old
 * version, read from the base's ELF file (bytes, and the slots the loader
 * relocates).  A global still equal to it at update time never changed
 * since the program started: it is given the new version's initial value
 * as it is, which is right whatever the change (a configuration table
 * that gained entries in the middle, say) and needs no steps at all.
 */
#define _GNU_SOURCE
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "instrument.h"
#include "json.h"
#include "strbuf.h"
#include "upstare-abi.h"
#include "upstare.h"
#include "xfgen.h"
#include "xfgen_int.h"

/* Does the old version start [off, off+len) of the global zeroed? */
static bool image_zero_at(const struct image *im, unsigned long off, unsigned long len)
{
	if (im->kind == 1)
		return true;
	if (im->kind != 2 || off + len > im->size)
		return false;
	for (unsigned long i = 0; i < len; i++)
		if (im->bytes[off + i])
			return false;
	for (unsigned long r = 0; r < im->nrel; r++)
		if (im->rel[r].off + 8 > off && im->rel[r].off < off + len)
			return false;
	return true;
}

/* A field of the old layout, by name (deriv.old: upstare_old_field()). */
static void push_old(struct deriv *d, unsigned long off, unsigned long size, const char *what)
{
	struct op *o;

	d->old = xrealloc(d->old, (d->nold + 1) * sizeof(*d->old));
	o = &d->old[d->nold++];
	*o = (struct op){ .op = __UPSTARE_XOP_OLD, .ooff = off, .osize = size,
			  .what = xstrdup(what) };
}

/* Drop the steps from at on (a field that could not be derived after all). */
static void deriv_truncate(struct deriv *d, unsigned long at)
{
	for (unsigned long i = at; i < d->n; i++) {
		free(d->v[i].what);
		free(d->v[i].map);
		free(d->v[i].type);
		free(d->v[i].count_sym);
	}
	d->n = at;
}

void xf_deriv_free(struct deriv *d)
{
	for (unsigned long i = 0; i < d->nold; i++)
		free(d->old[i].what);
	free(d->old);
	deriv_truncate(d, 0);
	free(d->v);
	free(d->why);
	free(d->last);
	sb_free(&d->notes);
}

struct xfgen *xfgen_open(const struct upmeta *base, const struct upmeta *news,
			 const char *base_path, bool explain)
{
	struct xfgen *x = xcalloc(1, sizeof(*x));

	x->base = base;
	x->news = news;
	x->elf = elf_open_read(base_path, &x->fd);
	x->explain = explain;
	x->memo = xcalloc(1, sizeof(*x->memo));
	return x;
}

void xfgen_close(struct xfgen *x)
{
	if (!x)
		return;
	elf_close(x->elf, x->fd);
	for (int i = 0; i < x->memo->n; i++)
		free((char *)x->memo->names[i]);
	free(x->memo->names);
	free(x->memo->state);
	free(x->memo);
	for (int i = 0; i < x->nuser; i++)
		free(x->user[i]);
	free(x->user);
	for (int i = 0; i < x->narrays; i++) {
		free(x->arrays[i].var);
		free(x->arrays[i].count);
	}
	free(x->arrays);
	free(x);
}

/* ------------------------------------------------------------- shapes */

/* The name between < > in a shape ("r<struct s>" -> "struct s"), or "". */
char *xf_desc_name(const char *d)
{
	const char *a = strchr(d, '<'), *c = a ? strchr(a, '>') : NULL;

	if (a && (!strchr(d, ':') || a < strchr(d, ':')))
		return strndup(a + 1, c ? (size_t)(c - a - 1) : strlen(a + 1));
	return xstrdup("");
}

static bool is_intlike(char k)
{
	return k == 'b' || k == 'i' || k == 'u' || k == 'e';
}

/* Is an integer-like shape signed ("i4", "ei4<enum e>")? */
static bool desc_signed(const char *d)
{
	return d[0] == 'i' || (d[0] == 'e' && d[1] == 'i');
}

static bool desc_changed(const struct xfgen *x, const char *d, int depth);

/*
 * Did the layout of record or enum name itself change: its size, kind,
 * fields (name, shape as spelled, offset, size, bit width) or values?  The
 * records its fields lead to are not looked at here.
 */
bool xf_own_changed(const struct xfgen *x, const char *name)
{
	const struct upmeta_type *o = upmeta_type(x->base, name), *n = upmeta_type(x->news, name);
	const struct json *of, *nf;

	/*
	 * In one version only: a type only the new code has (no old object
	 * of it exists), or one the new code no longer has; in neither, a
	 * system type.  None is a change of layout an old value can show.
	 */
	if (!o || !n)
		return false;
	if (o->size != n->size || strcmp(o->kind ? o->kind : "", n->kind ? n->kind : ""))
		return true;
	for (of = o->fields ? o->fields->child : NULL, nf = n->fields ? n->fields->child : NULL;
	     of && nf; of = of->next, nf = nf->next) {
		const char *od = json_str(of, "desc"), *nd = json_str(nf, "desc");

		if (strcmp(json_str(of, "name") ? json_str(of, "name") : "",
			   json_str(nf, "name") ? json_str(nf, "name") : "") ||
		    json_int(of, "value", 0) != json_int(nf, "value", 0) ||
		    json_int(of, "offset_bits", 0) != json_int(nf, "offset_bits", 0) ||
		    json_int(of, "size", 0) != json_int(nf, "size", 0) ||
		    json_int(of, "bit_width", -1) != json_int(nf, "bit_width", -1) ||
		    !od != !nd || (od && strcmp(od, nd)))
			return true;
	}
	return of || nf;
}

/*
 * Objects of record type name are converted on the heap: the patch
 * declares it (UPSTARE_HEAP_CONVERT, or _IN_PLACE) and its own layout
 * changed.
 */
bool xf_heap_converted(const struct xfgen *x, const char *name)
{
	return (xf_user_converts(x, UPSTARE_XF_HEAP, name) ||
		xf_user_converts(x, UPSTARE_XF_HEAP_IN_PLACE, name)) && xf_own_changed(x, name);
}

/* Push the records and enums a shape names (by value, in arrays, or pointed to). */
static void shape_names(const char *d, const char ***v, int *n)
{
	for (const char *p = d; (p = strchr(p, '<'));) {
		const char *e = strchr(p, '>');

		if (!e)
			return;
		*v = xrealloc(*v, (*n + 1) * sizeof(**v));
		(*v)[(*n)++] = strndup(p + 1, e - p - 1);
		p = e;
	}
}

/*
 * Did record or enum name change between the versions, or any record its
 * fields hold, or point to, at any depth?  A value of it cannot then be
 * copied as it is: its bytes, or the objects they lead to, are laid out
 * otherwise in the new version.  A walk over the records reachable from it
 * (list links and other cycles are visited once), each one's own layout
 * compared once (x->memo).
 */

static bool rec_changed(const struct xfgen *x, const char *name, int depth)
{
	(void)depth;
	return xf_rec_changed_at(x, name, NULL);
}

/* The same, with the first record found changed in *which (x's to keep). */
bool xf_rec_changed_at(const struct xfgen *x, const char *name, const char **which)
{
	struct memo *m = x->memo;
	const char **todo = NULL, **seen = NULL;
	int ntodo = 0, nseen = 0;
	bool changed = false;

	todo = xrealloc(todo, sizeof(*todo));
	todo[ntodo++] = xstrdup(name);
	while (ntodo && !changed) {
		const char *r = todo[--ntodo];
		const struct upmeta_type *nr;
		bool was = false;
		int k;

		for (k = 0; k < nseen && !was; k++)
			was = !strcmp(seen[k], r);
		if (was) {
			free((char *)r);
			continue;
		}
		seen = xrealloc(seen, (nseen + 1) * sizeof(*seen));
		seen[nseen++] = r;
		for (k = 0; k < m->n && strcmp(m->names[k], r); k++)
			;
		if (k == m->n) {
			m->names = xrealloc(m->names, (m->n + 1) * sizeof(*m->names));
			m->state = xrealloc(m->state, (m->n + 1) * sizeof(*m->state));
			m->names[m->n] = xstrdup(r);
			m->state[m->n++] = xf_own_changed(x, r) ? 2 : 1;
		}
		changed = m->state[k] == 2;
		if (changed && which)
			*which = m->names[k];
		nr = upmeta_type(x->news, r);
		for (const struct json *f = nr && nr->fields ? nr->fields->child : NULL; f;
		     f = f->next)
			if (json_str(f, "desc"))
				shape_names(json_str(f, "desc"), &todo, &ntodo);
	}
	for (int k = 0; k < ntodo; k++)
		free((char *)todo[k]);
	for (int k = 0; k < nseen; k++)
		free((char *)seen[k]);
	free(todo);
	free(seen);
	return changed;
}

/* Is a value of this shape laid out or valued otherwise in the new version? */
static bool desc_changed(const struct xfgen *x, const char *d, int depth)
{
	char *name;
	bool changed;

	if (d[0] == 'a') {
		const char *e = strchr(d, ':');

		return e && desc_changed(x, e + 1, depth + 1);
	}
	if (d[0] != 'r' && d[0] != 'e' && d[0] != 'p')
		return false;
	name = xf_desc_name(d);
	changed = name[0] && rec_changed(x, name, depth);
	free(name);
	return changed;
}

/* ---------------------------------------------------------- derivation */

struct op *xf_push(struct deriv *d, unsigned op, unsigned long ooff, unsigned long noff,
		       unsigned long osize, unsigned long nsize, const char *what)
{
	struct op *o;

	d->v = xrealloc(d->v, (d->n + 1) * sizeof(*d->v));
	o = &d->v[d->n++];
	*o = (struct op){ .op = op, .ooff = ooff, .noff = noff, .osize = osize, .nsize = nsize,
			  .what = xstrdup(what) };
	return o;
}

static int fail(struct deriv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct deriv *d, const char *fmt, ...)
{
	va_list ap;

	free(d->last);
	va_start(ap, fmt);
	if (vasprintf(&d->last, fmt, ap) < 0)
		d->last = NULL;
	va_end(ap);
	if (!d->why && d->last)
		d->why = xstrdup(d->last);
	return -1;
}

static void note(struct deriv *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct deriv *d, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0) {
		sb_printf(&d->notes, "\t%s\n", s);
		free(s);
	}
	va_end(ap);
}

static void push_copy(struct deriv *d, unsigned long ooff, unsigned long noff,
		      unsigned long size, const char *what)
{
	struct op *l = d->n ? &d->v[d->n - 1] : NULL;

	if (!size)
		return;
	/* contiguous copies merge, unless the last op is an array's header */
	if (l && l->op == __UPSTARE_XOP_COPY && l->ooff + l->osize == ooff &&
	    l->noff + l->nsize == noff) {
		l->osize += size;
		l->nsize += size;
		return;
	}
	xf_push(d, __UPSTARE_XOP_COPY, ooff, noff, size, size, what);
}

static int derive(const struct xfgen *x, struct deriv *d, unsigned long ooff, const char *od,
		  unsigned long osz, unsigned long noff, const char *nd, unsigned long nsz,
		  const char *what, int depth);

static const struct json *field_named(const struct json *fields, const char *name)
{
	for (const struct json *f = fields ? fields->child : NULL; f; f = f->next)
		if (json_str(f, "name") && !strcmp(json_str(f, "name"), name))
			return f;
	return NULL;
}

static int derive_struct(const struct xfgen *x, struct deriv *d, unsigned long ooff,
			 unsigned long noff, const char *name, const char *what, int depth)
{
	const struct upmeta_type *o = upmeta_type(x->base, name), *n = upmeta_type(x->news, name);
	unsigned long at;
	char sub[512];
	int err = 0;

	if (!o || !n || !o->fields || !n->fields)
		return fail(d, "%s: the layout of '%s' is not in the metadata", what, name);
	if (!strcmp(n->kind ? n->kind : "", "union") || !strcmp(o->kind ? o->kind : "", "union"))
		return fail(d, "%s: union '%s' changed, and which of its members holds the value "
			    "cannot be derived", what, name);
	for (const struct json *nf = n->fields->child; nf; nf = nf->next) {
		const char *fname = json_str(nf, "name");
		const struct json *of = fname && fname[0] ? field_named(o->fields, fname) : NULL;
		long obit, nbit;

		if (!fname || !fname[0])
			return fail(d, "%s: '%s' has an unnamed member, which cannot be matched", what,
				    name);
		snprintf(sub, sizeof(sub), "%s.%s", what, fname);
		if (!of) {
			note(d, "%s: new, starts as the new version initializes it", sub);
			continue;
		}
		obit = json_int(of, "offset_bits", 0);
		nbit = json_int(nf, "offset_bits", 0);
		if (json_get(of, "bit_width") || json_get(nf, "bit_width")) {
			const char *odsc = json_str(of, "desc"), *ndsc = json_str(nf, "desc");
			long ow = json_int(of, "bit_width", json_int(of, "size", 0) * 8);
			long nw = json_int(nf, "bit_width", json_int(nf, "size", 0) * 8);
			struct op *op;

			if (!odsc || !ndsc || !is_intlike(odsc[0]) || !is_intlike(ndsc[0]))
				return fail(d, "%s: a bit-field changed type", sub);
			op = xf_push(d, __UPSTARE_XOP_BITS, ooff * 8 + obit, noff * 8 + nbit, ow, nw, sub);
			op->flags = (desc_signed(odsc) ? __UPSTARE_XOP_OSIGNED : 0) |
				    (desc_signed(ndsc) ? __UPSTARE_XOP_NSIGNED : 0);
			continue;
		}
		if (!json_str(of, "desc") || !json_str(nf, "desc"))
			return fail(d, "%s: no shape in the metadata (built by an older upstare-cc)",
				    sub);
		at = d->n;
		if (derive(x, d, ooff + obit / 8, json_str(of, "desc"), json_int(of, "size", 0),
			   noff + nbit / 8, json_str(nf, "desc"), json_int(nf, "size", 0), sub,
			   depth + 1)) {
			/* the others still are: a transformer may take them (upstare.h,
			 * upstare_convert_default()) and do this one */
			deriv_truncate(d, at);
			note(d, "%s (left to a transformer)", d->last ? d->last : sub);
			err = -1;
		}
	}
	for (const struct json *of = o->fields->child; of; of = of->next) {
		if (!json_str(of, "name"))
			continue;
		snprintf(sub, sizeof(sub), "%s.%s", what, json_str(of, "name"));
		if (!field_named(n->fields, json_str(of, "name")))
			note(d, "%s: removed; its value is dropped", sub);
		/* the old layout, by name, for upstare_old_field() (not inside an
		 * array's element, whose offsets are the element's) */
		if (!json_get(of, "bit_width") && !d->in_array)
			push_old(d, ooff + json_int(of, "offset_bits", 0) / 8,
				 json_int(of, "size", 0), sub);
	}
	return err;
}

static int derive_enum(const struct xfgen *x, struct deriv *d, unsigned long ooff, const char *od,
		       unsigned long osz, unsigned long noff, const char *nd, unsigned long nsz,
		       const char *name, const char *what)
{
	const struct upmeta_type *o = upmeta_type(x->base, name), *n = upmeta_type(x->news, name);
	struct op *op;

	if (!o || !n || !o->fields || !n->fields)
		return fail(d, "%s: the values of '%s' are not in the metadata", what, name);
	op = xf_push(d, __UPSTARE_XOP_ENUM, ooff, noff, osz, nsz, what);
	op->flags = (desc_signed(od) ? __UPSTARE_XOP_OSIGNED : 0) |
		    (desc_signed(nd) ? __UPSTARE_XOP_NSIGNED : 0);
	for (const struct json *of = o->fields->child; of; of = of->next) {
		const struct json *nf = json_str(of, "name") ?
					field_named(n->fields, json_str(of, "name")) : NULL;

		if (!nf) {
			note(d, "%s: value %s removed; an update finding it is refused", what,
			     json_str(of, "name") ? json_str(of, "name") : "?");
			continue;
		}
		op->map = xrealloc(op->map, (op->nmap + 1) * 2 * sizeof(*op->map));
		op->map[op->nmap * 2] = json_int(of, "value", 0);
		op->map[op->nmap * 2 + 1] = json_int(nf, "value", 0);
		op->nmap++;
	}
	return 0;
}

static int derive_array(const struct xfgen *x, struct deriv *d, unsigned long ooff, const char *od,
			unsigned long osz, unsigned long noff, const char *nd, unsigned long nsz,
			const char *what, int depth)
{
	unsigned long on = strtoul(od + 1, NULL, 10), nn = strtoul(nd + 1, NULL, 10);
	unsigned long oes = on ? osz / on : 0, nes = nn ? nsz / nn : 0, n = on < nn ? on : nn;
	unsigned long at = d->n;
	char sub[512];
	int err;

	snprintf(sub, sizeof(sub), "%s[]", what);
	xf_push(d, __UPSTARE_XOP_ARRAY, ooff, noff, oes, nes, what);
	d->in_array++;
	err = derive(x, d, 0, strchr(od, ':') + 1, oes, 0, strchr(nd, ':') + 1, nes, sub,
		     depth + 1);
	d->in_array--;
	if (err) {
		deriv_truncate(d, at);	/* an element's steps make no sense alone */
		return -1;
	}
	d->v[at].count = n;
	d->v[at].ostride = oes;
	d->v[at].nstride = nes;
	d->v[at].nbody = d->n - at - 1;
	if (on != nn) {
		d->v[at].flags |= __UPSTARE_XOP_ZEROED;
		note(d, "%s: %lu entries become %lu; %s", what, on, nn,
		     image_zero_at(d->im, ooff, osz) ? "kept by position (zeroed at start)" :
		     "entries are initialized: if one changed since the start, refused (where it "
		     "goes cannot be derived)");
	}
	if (on > nn) {
		snprintf(sub, sizeof(sub), "%s[%lu..%lu]", what, nn, on - 1);
		xf_push(d, __UPSTARE_XOP_DROP, ooff + nn * oes, 0, (on - nn) * oes, 0, sub);
	}
	/* an array of plain copies is one copy */
	if (on == nn && d->n == at + 2 && d->v[at + 1].op == __UPSTARE_XOP_COPY &&
	    d->v[at + 1].osize == oes && oes == nes && !d->v[at + 1].ooff) {
		free(d->v[at + 1].what);
		d->n = at + 1;
		d->v[at].op = __UPSTARE_XOP_COPY;
		d->v[at].osize = d->v[at].nsize = on * oes;
		d->v[at].count = d->v[at].nbody = 0;
	}
	return 0;
}

static int derive(const struct xfgen *x, struct deriv *d, unsigned long ooff, const char *od,
		  unsigned long osz, unsigned long noff, const char *nd, unsigned long nsz,
		  const char *what, int depth)
{
	char ok = od[0], nk = nd[0];
	char *oname, *nname;
	int err;

	if (depth > 32)
		return fail(d, "%s: types nest too deep", what);
	if (!strcmp(od, nd) && osz == nsz && !desc_changed(x, od, 0)) {
		push_copy(d, ooff, noff, osz, what);
		return 0;
	}
	oname = xf_desc_name(od);
	nname = xf_desc_name(nd);
	if (ok == 'e' && nk == 'e' && !strcmp(oname, nname) && rec_changed(x, oname, 0)) {
		err = derive_enum(x, d, ooff, od, osz, noff, nd, nsz, oname, what);
	} else if (is_intlike(ok) && is_intlike(nk)) {
		struct op *op = xf_push(d, __UPSTARE_XOP_INT, ooff, noff, osz, nsz, what);

		op->flags = (desc_signed(od) ? __UPSTARE_XOP_OSIGNED : 0) |
			    (desc_signed(nd) ? __UPSTARE_XOP_NSIGNED : 0);
		err = 0;
	} else if (ok == 'f' && nk == 'f') {
		xf_push(d, __UPSTARE_XOP_FLOAT, ooff, noff, osz, nsz, what);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && !strcmp(oname, nname) && od[1] == '<' &&
		   !strcmp(od, nd) && xf_heap_converted(x, oname)) {
		/* copied, then the object is converted and the pointer moved */
		xf_push(d, __UPSTARE_XOP_PTR, ooff, noff, osz, nsz, what)->type = xstrdup(oname);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && !strcmp(oname, nname) && !strcmp(od, nd)) {
		/* nothing to convert when it is NULL; else refused, with the way out */
		char sub[600];

		snprintf(sub, sizeof(sub), "%s, a pointer to '%s', whose layout changed,", what,
			 oname);
		xf_push(d, __UPSTARE_XOP_NULL, ooff, noff, osz, nsz, sub);
		note(d, "%s: must be NULL when the update comes: it points to '%s', whose layout "
		     "changed, and the patch does not declare UPSTARE_HEAP_CONVERT(\"%s\")", what,
		     oname, oname);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && osz == nsz) {
		/* a pointer to another type: only NULL has a value in both */
		char sub[600];

		snprintf(sub, sizeof(sub), "%s, a pointer whose target type changed (%s to %s),",
			 what, od, nd);
		xf_push(d, __UPSTARE_XOP_NULL, ooff, noff, osz, nsz, sub)->flags = __UPSTARE_XOP_RETYPED;
		note(d, "%s: must be NULL when the update comes: its target type changed (%s to %s)",
		     what, od, nd);
		err = 0;
	} else if (ok == 'r' && nk == 'r' && !strcmp(oname, nname)) {
		err = derive_struct(x, d, ooff, noff, oname, what, depth);
	} else if (ok == 'a' && nk == 'a') {
		err = derive_array(x, d, ooff, od, osz, noff, nd, nsz, what, depth);
	} else {
		err = fail(d, "%s: a value of shape %s became %s, which cannot be converted", what,
			   od, nd);
	}
	free(oname);
	free(nname);
	return err;
}

/* ---------------------------------------------------------------- emit */

static void c_string(struct sb *o, const char *s)
{
	if (s)
		sb_json_str(o, s);
	else
		sb_puts(o, "0");
}

void xf_emit(struct sb *o, const char *id, const struct deriv *d, const struct image *im)
{
	for (unsigned long i = 0; i < d->n; i++) {
		if (!d->v[i].nmap)
			continue;
		sb_printf(o, "static const long long %s_map%lu[] = {", id, i);
		for (unsigned long k = 0; k < d->v[i].nmap * 2; k++)
			sb_printf(o, "%s%lldLL", k ? ", " : " ", d->v[i].map[k]);
		sb_puts(o, " };\n");
	}
	if (d->nold) {
		sb_printf(o, "static const struct __upstare_xop %s_old[] = {\n", id);
		for (unsigned long i = 0; i < d->nold; i++) {
			sb_printf(o, "\t{ %u, 0, %lu, 0, %lu, 0, 0, 0, 0, 0, 0, 0, ", d->old[i].op,
				  d->old[i].ooff, d->old[i].osize);
			c_string(o, d->old[i].what);
			sb_puts(o, ", 0, 0, 0 },\n");
		}
		sb_puts(o, "};\n");
	}
	if (d->n) {
		sb_printf(o, "static const struct __upstare_xop %s_ops[] = {\n", id);
		for (unsigned long i = 0; i < d->n; i++) {
			const struct op *p = &d->v[i];

			sb_printf(o, "\t{ %u, %u, %lu, %lu, %lu, %lu, %lu, %lu, %lu, %lu, ", p->op,
				  p->flags, p->ooff, p->noff, p->osize, p->nsize, p->count,
				  p->ostride, p->nstride, p->nbody);
			if (p->nmap)
				sb_printf(o, "%s_map%lu, %lu, ", id, i, p->nmap);
			else
				sb_puts(o, "0, 0, ");
			c_string(o, p->what);
			sb_puts(o, ", ");
			c_string(o, p->type);
			sb_puts(o, ", ");
			c_string(o, p->count_sym);
			sb_printf(o, ", %lu },\n", p->count_off);
		}
		sb_puts(o, "};\n");
	}
	if (im->kind == 2) {
		sb_printf(o, "static const unsigned char %s_img[] = {", id);
		for (unsigned long i = 0; i < im->size; i++)
			sb_printf(o, "%s%s%u", i ? "," : "", i % 24 ? "" : "\n\t", im->bytes[i]);
		sb_puts(o, "\n};\n");
		if (im->nrel) {
			sb_printf(o, "static const struct __upstare_xreloc %s_rel[] = {\n", id);
			for (unsigned long i = 0; i < im->nrel; i++) {
				sb_printf(o, "\t{ %lu, %ldL, ", im->rel[i].off, im->rel[i].addend);
				c_string(o, im->rel[i].sym);
				sb_puts(o, " },\n");
			}
			sb_puts(o, "};\n");
		}
	}
	sb_printf(o, "static const struct __upstare_xgen %s = {\n\t", id);
	c_string(o, d->why);
	/* with why, the steps derived are there for a transformer to take */
	if (d->n)
		sb_printf(o, ", %s_ops, %lu,\n", id, d->n);
	else
		sb_puts(o, ", 0, 0,\n");
	sb_printf(o, "\t%u, ", im->kind);
	if (im->kind == 2)
		sb_printf(o, "%s_img, %#lxUL, ", id, im->addr);
	else
		sb_printf(o, "0, %#lxUL, ", im->addr);
	if (im->kind == 2 && im->nrel)
		sb_printf(o, "%s_rel, %lu,\n", id, im->nrel);
	else
		sb_puts(o, "0, 0,\n");
	if (d->nold)
		sb_printf(o, "\t%s_old, %lu\n};\n", id, d->nold);
	else
		sb_puts(o, "\t0, 0\n};\n");
}

int xfgen_global(struct xfgen *x, struct sb *out, const char *id, const struct xfgen_var *ov,
		 const struct xfgen_var *nv, const char *old_storage)
{
	struct deriv d = { 0 };
	struct image im;

	xf_image_of(x, old_storage, ov->size, &im);
	d.im = &im;
	if (!ov->desc || !nv->desc)
		fail(&d, "%s: no shape in the metadata (built by an older upstare-cc)", nv->name);
	else if (derive(x, &d, 0, ov->desc, ov->size, 0, nv->desc, nv->size, nv->name, 0) &&
		 ov->desc[0] != 'r')
		deriv_truncate(&d, 0);	/* only a record's fields are derived one by one */
	xf_emit(out, id, &d, &im);
	if (xf_user_converts(x, UPSTARE_XF_GLOBAL, nv->name) ||
	    xf_user_converts(x, UPSTARE_XF_TYPE, nv->type)) {
		if (x->explain)
			fprintf(stderr, "upstare-cc: %s:%ld: global %s ('%s' -> '%s'): converted by "
				"the patch's transformer\n", nv->source, nv->line, nv->name,
				ov->type, nv->type);
	} else if (d.why) {
		fprintf(stderr, "upstare-cc: %s:%ld: global %s ('%s' -> '%s'): no conversion can be "
			"generated: %s.\n", nv->source, nv->line, nv->name, ov->type, nv->type, d.why);
		if (x->explain && d.notes.s)
			fputs(d.notes.s, stderr);
		fprintf(stderr, "upstare-cc: %s", im.kind ? "it is given the new version's "
			"initial value if it still has its initial one when the update comes; "
			"else the update is refused.  " : "the update is refused.  ");
		fprintf(stderr, "To convert it, add to the patch:\n"
			"\tstatic int xform_%s(void *new_obj, const void *old_obj, size_t old_size)\n"
			"\t{\n\t\t/* fill the new '%s' from the old '%s' */\n\t\treturn 0;\n\t}\n"
			"\tUPSTARE_GLOBAL_TRANSFORMER(%s, xform_%s);\n", nv->name, nv->type,
			ov->type, nv->name, nv->name);
	} else if (x->explain) {
		fprintf(stderr, "upstare-cc: %s:%ld: global %s ('%s' -> '%s'): converted by a "
			"generated transformer (%lu step%s)%s%s\n", nv->source, nv->line, nv->name,
			ov->type, nv->type, d.n, d.n == 1 ? "" : "s", im.kind ? "; given the new initial value if "
			"unchanged since the start" : "", d.notes.s ? ":" : "");
		if (d.notes.s)
			fputs(d.notes.s, stderr);
	}
	xf_deriv_free(&d);
	for (unsigned long i = 0; i < im.nrel; i++)
		free(im.rel[i].sym);
	free(im.rel);
	free(im.bytes);
	return 0;
}

int xfgen_type(struct xfgen *x, struct sb *out, const char *id, const char *name,
	       long *old_size, long *new_size)
{
	const struct upmeta_type *o = upmeta_type(x->base, name), *n = upmeta_type(x->news, name);
	struct image im = { .why = "a local" };
	struct deriv d = { .im = &im };
	char desc[600];

	if (!o || !n)
		return -1;
	if (!strcmp(n->kind ? n->kind : "", "enum"))
		snprintf(desc, sizeof(desc), "ei%ld<%s>", n->size, name);
	else
		snprintf(desc, sizeof(desc), "r<%s>", name);
	if (derive(x, &d, 0, desc, o->size, 0, desc, n->size, name, 0) && desc[0] != 'r')
		deriv_truncate(&d, 0);	/* only a record's fields are derived one by one */
	xf_emit(out, id, &d, &im);
	*old_size = o->size;
	*new_size = n->size;
	if (x->explain) {
		if (d.why)
			fprintf(stderr, "upstare-cc: locals of type %s: no conversion can be "
				"generated: %s; a frame holding one needs a stack transformer%s\n",
				name, d.why, d.notes.s ? ":" : "");
		else
			fprintf(stderr, "upstare-cc: locals of type %s: converted by a generated "
				"transformer (%lu step%s)%s\n", name, d.n,
				d.n == 1 ? "" : "s", d.notes.s ? ":" : "");
		if (d.notes.s)
			fputs(d.notes.s, stderr);
	}
	xf_deriv_free(&d);
	return 0;
}
