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
 * them; dropped fields are reported.  What cannot be derived (a union
 * whose live member is unknown, a pointer to a record whose layout
 * changed, a type that became another) is named with its file and line,
 * with a template of the transformer to write.
 *
 * Beside the steps it records the global's initial value in the old
 * version, read from the base's ELF file (bytes, and the slots the loader
 * relocates).  A global still equal to it at update time never changed
 * since the program started: it is given the new version's initial value
 * as it is, which is right whatever the change (a configuration table
 * that gained entries in the middle, say) and needs no steps at all.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "instrument.h"
#include "json.h"
#include "strbuf.h"
#include "upstare-abi.h"
#include "upstare.h"
#include "xfgen.h"

#define IMAGE_MAX (1ul << 20)	/* initial values larger than this: not recorded */

struct rec {
	const char *name, *kind;
	long size;
	const struct json *fields;
};

struct recs {
	struct rec *v;
	int n;
};

/* rec_changed()'s answers: 0 being decided, 1 unchanged, 2 changed */
struct memo {
	const char **names;
	int *state;
	int n;
};

struct xfgen {
	const struct json *bdoc, *ndoc;	/* patch_link()'s */
	struct memo *memo;
	struct recs b, n;
	Elf *elf;
	int fd;
	bool explain;
	char **user;		/* "1 name" / "2 type": the patch's own transformers */
	int nuser;
	struct heap_array {	/* UPSTARE_HEAP_ARRAY(var, count) */
		char *var, *count;
		int obj;	/* declared in object obj, entry at */
		unsigned long at;
		bool used;
	} *arrays;
	int narrays;
};

struct op {
	unsigned op, flags;
	unsigned long ooff, noff, osize, nsize, count, ostride, nstride, nbody;
	long long *map;
	unsigned long nmap;
	char *what;
	char *type;		/* PTR: the record pointed to */
	char *count_sym;	/* PTR, COUNTED */
	unsigned long count_off;
};

struct image {
	unsigned kind;		/* 0 unknown, 1 zero, 2 bytes */
	unsigned char *bytes;
	unsigned long addr, size;
	struct { unsigned long off; long addend; char *sym; } *rel;
	unsigned long nrel;
	const char *why;	/* when unknown */
};

struct deriv {
	struct op *v;
	unsigned long n;
	char *why;		/* the first step that cannot be derived */
	char *last;		/* the last one */
	struct sb notes;
	const struct image *im;	/* the old initial value */
};

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

static bool user_converts(const struct xfgen *x, unsigned kind, const char *name);
static bool own_changed(const struct xfgen *x, const char *name);

/*
 * Objects of record type name are converted on the heap: the patch
 * declares it (UPSTARE_HEAP_CONVERT, or _IN_PLACE) and its own layout
 * changed.
 */
static bool heap_converted(const struct xfgen *x, const char *name)
{
	return (user_converts(x, UPSTARE_XF_HEAP, name) ||
		user_converts(x, UPSTARE_XF_HEAP_IN_PLACE, name)) && own_changed(x, name);
}

/* The steps that do something (not the old layout's markers). */
static unsigned long steps(const struct deriv *d)
{
	unsigned long n = 0;

	for (unsigned long i = 0; i < d->n; i++)
		n += d->v[i].op != __UPSTARE_XOP_OLD;
	return n;
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

static void deriv_free(struct deriv *d)
{
	deriv_truncate(d, 0);
	free(d->v);
	free(d->why);
	free(d->last);
	sb_free(&d->notes);
}

static void index_recs(const struct json *doc, struct recs *r)
{
	for (const struct json *u = doc ? doc->child : NULL; u; u = u->next) {
		const struct json *t = json_get(u, "types");

		for (t = t && t->type == JSON_ARR ? t->child : NULL; t; t = t->next) {
			const char *name = json_str(t, "name");
			bool seen = false;

			for (int i = 0; name && i < r->n && !seen; i++)
				seen = !strcmp(r->v[i].name, name);
			if (!name || seen)
				continue;
			r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
			r->v[r->n++] = (struct rec){ name, json_str(t, "kind"),
						     json_int(t, "size", 0), json_get(t, "fields") };
		}
	}
}

static const struct rec *rec_find(const struct recs *r, const char *name)
{
	for (int i = 0; i < r->n; i++)
		if (!strcmp(r->v[i].name, name))
			return &r->v[i];
	return NULL;
}

struct xfgen *xfgen_open(const struct json *base, const struct json *news,
			 const char *base_path, bool explain)
{
	struct xfgen *x = xcalloc(1, sizeof(*x));

	x->bdoc = base;
	x->ndoc = news;
	index_recs(x->bdoc, &x->b);
	index_recs(x->ndoc, &x->n);
	x->elf = elf_open_read(base_path, &x->fd);
	x->explain = explain;
	x->memo = xcalloc(1, sizeof(*x->memo));
	return x;
}

void xfgen_close(struct xfgen *x)
{
	if (!x)
		return;
	if (x->elf)
		elf_end(x->elf);
	if (x->fd >= 0)
		close(x->fd);
	for (int i = 0; i < x->memo->n; i++)
		free((char *)x->memo->names[i]);
	free(x->memo->names);
	free(x->memo->state);
	free(x->memo);
	free(x->b.v);
	free(x->n.v);
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
static char *desc_name(const char *d)
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
static bool own_changed(const struct xfgen *x, const char *name)
{
	const struct rec *o = rec_find(&x->b, name), *n = rec_find(&x->n, name);
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
static bool rec_changed_at(const struct xfgen *x, const char *name, const char **which);

static bool rec_changed(const struct xfgen *x, const char *name, int depth)
{
	(void)depth;
	return rec_changed_at(x, name, NULL);
}

/* The same, with the first record found changed in *which (x's to keep). */
static bool rec_changed_at(const struct xfgen *x, const char *name, const char **which)
{
	struct memo *m = x->memo;
	const char **todo = NULL, **seen = NULL;
	int ntodo = 0, nseen = 0;
	bool changed = false;

	todo = xrealloc(todo, sizeof(*todo));
	todo[ntodo++] = xstrdup(name);
	while (ntodo && !changed) {
		const char *r = todo[--ntodo];
		const struct rec *nr;
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
			m->state[m->n++] = own_changed(x, r) ? 2 : 1;
		}
		changed = m->state[k] == 2;
		if (changed && which)
			*which = m->names[k];
		nr = rec_find(&x->n, r);
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
	name = desc_name(d);
	changed = name[0] && rec_changed(x, name, depth);
	free(name);
	return changed;
}

/* ---------------------------------------------------------- derivation */

static struct op *push(struct deriv *d, unsigned op, unsigned long ooff, unsigned long noff,
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
	push(d, __UPSTARE_XOP_COPY, ooff, noff, size, size, what);
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
	const struct rec *o = rec_find(&x->b, name), *n = rec_find(&x->n, name);
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
			op = push(d, __UPSTARE_XOP_BITS, ooff * 8 + obit, noff * 8 + nbit, ow, nw, sub);
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
			push(d, __UPSTARE_XOP_OLD, ooff + obit / 8, 0, json_int(of, "size", 0), 0, sub);
			note(d, "%s (left to a transformer)", d->last ? d->last : sub);
			err = -1;
		}
	}
	for (const struct json *of = o->fields->child; of; of = of->next)
		if (json_str(of, "name") && !field_named(n->fields, json_str(of, "name"))) {
			snprintf(sub, sizeof(sub), "%s.%s", what, json_str(of, "name"));
			note(d, "%s: removed; its value is dropped", sub);
			if (!json_get(of, "bit_width"))
				push(d, __UPSTARE_XOP_OLD, ooff + json_int(of, "offset_bits", 0) / 8,
				     0, json_int(of, "size", 0), 0, sub);
		}
	return err;
}

static int derive_enum(const struct xfgen *x, struct deriv *d, unsigned long ooff, const char *od,
		       unsigned long osz, unsigned long noff, const char *nd, unsigned long nsz,
		       const char *name, const char *what)
{
	const struct rec *o = rec_find(&x->b, name), *n = rec_find(&x->n, name);
	struct op *op;

	if (!o || !n || !o->fields || !n->fields)
		return fail(d, "%s: the values of '%s' are not in the metadata", what, name);
	op = push(d, __UPSTARE_XOP_ENUM, ooff, noff, osz, nsz, what);
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

	snprintf(sub, sizeof(sub), "%s[]", what);
	push(d, __UPSTARE_XOP_ARRAY, ooff, noff, oes, nes, what);
	if (derive(x, d, 0, strchr(od, ':') + 1, oes, 0, strchr(nd, ':') + 1, nes, sub, depth + 1)) {
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
		push(d, __UPSTARE_XOP_DROP, ooff + nn * oes, 0, (on - nn) * oes, 0, sub);
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
	oname = desc_name(od);
	nname = desc_name(nd);
	if (ok == 'e' && nk == 'e' && !strcmp(oname, nname) && rec_changed(x, oname, 0)) {
		err = derive_enum(x, d, ooff, od, osz, noff, nd, nsz, oname, what);
	} else if (is_intlike(ok) && is_intlike(nk)) {
		struct op *op = push(d, __UPSTARE_XOP_INT, ooff, noff, osz, nsz, what);

		op->flags = (desc_signed(od) ? __UPSTARE_XOP_OSIGNED : 0) |
			    (desc_signed(nd) ? __UPSTARE_XOP_NSIGNED : 0);
		err = 0;
	} else if (ok == 'f' && nk == 'f') {
		push(d, __UPSTARE_XOP_FLOAT, ooff, noff, osz, nsz, what);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && !strcmp(oname, nname) && od[1] == '<' &&
		   !strcmp(od, nd) && heap_converted(x, oname)) {
		/* copied, then the object is converted and the pointer moved */
		push(d, __UPSTARE_XOP_PTR, ooff, noff, osz, nsz, what)->type = xstrdup(oname);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && !strcmp(oname, nname) && !strcmp(od, nd)) {
		/* nothing to convert when it is NULL; else refused, with the way out */
		char sub[600];

		snprintf(sub, sizeof(sub), "%s, a pointer to '%s', whose layout changed,", what,
			 oname);
		push(d, __UPSTARE_XOP_NULL, ooff, noff, osz, nsz, sub);
		note(d, "%s: must be NULL when the update comes: it points to '%s', whose layout "
		     "changed, and the patch does not declare UPSTARE_HEAP_CONVERT(\"%s\")", what,
		     oname, oname);
		err = 0;
	} else if (ok == 'p' && nk == 'p' && osz == nsz) {
		/* a pointer to another type: only NULL has a value in both */
		char sub[600];

		snprintf(sub, sizeof(sub), "%s, a pointer whose target type changed (%s to %s),",
			 what, od, nd);
		push(d, __UPSTARE_XOP_NULL, ooff, noff, osz, nsz, sub)->flags = __UPSTARE_XOP_RETYPED;
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

/* --------------------------------------------------------------- image */


static bool find_sym(Elf *e, const char *name, GElf_Sym *out)
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *data;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		data = elf_getdata(scn, NULL);
		for (size_t i = 0; data && sh.sh_entsize && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(data, i, &s) || s.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(s.st_info) != STT_OBJECT)
				continue;
			n = elf_strptr(e, sh.sh_link, s.st_name);
			if (n && !strcmp(n, name)) {
				*out = s;
				return true;
			}
		}
	}
	return false;
}

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

static void add_relative(struct image *im, unsigned long at, unsigned long start)
{
	long addend;

	if (at < start || at + sizeof(addend) > start + im->size)
		return;
	/* RELR: the addend is what the file holds in the slot */
	memcpy(&addend, im->bytes + (at - start), sizeof(addend));
	im->rel = xrealloc(im->rel, (im->nrel + 1) * sizeof(*im->rel));
	im->rel[im->nrel].off = at - start;
	im->rel[im->nrel].addend = addend;
	im->rel[im->nrel].sym = NULL;
	im->nrel++;
}

/*
 * Relative relocations packed in a RELR section (lld's and ld's -z
 * pack-relative-relocs): an even entry is the address of a slot, each odd
 * one a bitmap of the 63 words after the last address.
 */
static void relr_slots(const struct xfgen *x, Elf_Scn *scn, unsigned long start,
		       struct image *im)
{
	GElf_Shdr sh;
	Elf_Data *d;
	unsigned long where = 0;
	const uint64_t *e;

	if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELR || !(d = elf_getdata(scn, NULL)) ||
	    !d->d_buf)
		return;
	e = d->d_buf;
	for (size_t i = 0; i < d->d_size / sizeof(*e); i++) {
		if (!(e[i] & 1)) {
			add_relative(im, e[i], start);
			where = e[i] + 8;
			continue;
		}
		for (unsigned b = 1; b < 64; b++)
			if (e[i] >> b & 1)
				add_relative(im, where + (b - 1) * 8, start);
		where += 63 * 8;
	}
}

/* The old version's initial value of the global stored at symbol sym. */
static void image_of(const struct xfgen *x, const char *sym, unsigned long size, struct image *im)
{
	GElf_Ehdr eh;
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *data;

	*im = (struct image){ .why = "the base's ELF file cannot be read" };
	if (!x->elf || !gelf_getehdr(x->elf, &eh))
		return;
	im->why = "its storage is not in the base's symbol table";
	if (!find_sym(x->elf, sym, &s) || s.st_size != size)
		return;
	scn = elf_getscn(x->elf, s.st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh))
		return;
	im->addr = s.st_value;
	im->size = size;
	if (sh.sh_type == SHT_NOBITS) {
		im->kind = 1;
		return;
	}
	im->why = "it is larger than 1 MiB";
	if (size > IMAGE_MAX)
		return;
	im->why = "its section cannot be read";
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || s.st_value < sh.sh_addr ||
	    s.st_value - sh.sh_addr + size > data->d_size)
		return;
	im->bytes = xcalloc(1, size ? size : 1);
	memcpy(im->bytes, (char *)data->d_buf + (s.st_value - sh.sh_addr), size);
	/* the slots the dynamic loader writes */
	for (scn = NULL; (scn = elf_nextscn(x->elf, scn));)
		relr_slots(x, scn, s.st_value, im);
	for (scn = NULL; (scn = elf_nextscn(x->elf, scn));) {
		GElf_Shdr rs, ss;
		Elf_Data *rd, *sd = NULL;

		if (!gelf_getshdr(scn, &rs) || (rs.sh_type != SHT_RELA && rs.sh_type != SHT_REL) ||
		    !(rs.sh_flags & SHF_ALLOC))
			continue;
		rd = elf_getdata(scn, NULL);
		if (rs.sh_link && gelf_getshdr(elf_getscn(x->elf, rs.sh_link), &ss))
			sd = elf_getdata(elf_getscn(x->elf, rs.sh_link), NULL);
		for (size_t i = 0; rd && rs.sh_entsize && i < rs.sh_size / rs.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Rel rl;
			unsigned type;
			GElf_Sym rsym;

			if (rs.sh_type == SHT_RELA) {
				if (!gelf_getrela(rd, i, &r))
					continue;
			} else {
				if (!gelf_getrel(rd, i, &rl))
					continue;
				r.r_offset = rl.r_offset;
				r.r_info = rl.r_info;
				r.r_addend = 0;
			}
			if (r.r_offset < s.st_value || r.r_offset >= s.st_value + size)
				continue;
			type = GELF_R_TYPE(r.r_info);
			im->rel = xrealloc(im->rel, (im->nrel + 1) * sizeof(*im->rel));
			im->rel[im->nrel].off = r.r_offset - s.st_value;
			im->rel[im->nrel].addend = r.r_addend;
			im->rel[im->nrel].sym = NULL;
			im->nrel++;
			if (eh.e_machine == EM_X86_64 && type == R_X86_64_RELATIVE &&
			    rs.sh_type == SHT_RELA)
				continue;
			if (eh.e_machine == EM_X86_64 && (type == R_X86_64_64 ||
			    type == R_X86_64_GLOB_DAT) && sd &&
			    gelf_getsym(sd, GELF_R_SYM(r.r_info), &rsym) &&
			    elf_strptr(x->elf, ss.sh_link, rsym.st_name)) {
				im->rel[im->nrel - 1].sym =
					xstrdup(elf_strptr(x->elf, ss.sh_link, rsym.st_name));
				continue;
			}
			im->why = "the loader relocates it in a way not followed";
			return;
		}
	}
	im->kind = 2;
}

/* ------------------------------------------------ the user's transformers */

/* The string a relocation of an object file points to, or NULL. */
static const char *reloc_string(Elf *e, Elf_Data *syms, size_t strtab, const GElf_Rela *r)
{
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	unsigned long at;

	if (!syms || !gelf_getsym(syms, GELF_R_SYM(r->r_info), &s) || s.st_shndx == SHN_UNDEF ||
	    s.st_shndx >= SHN_LORESERVE)
		return NULL;
	scn = elf_getscn(e, s.st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
		return NULL;
	at = s.st_value + r->r_addend;
	if (at >= d->d_size || !memchr((char *)d->d_buf + at, 0, d->d_size - at))
		return NULL;
	(void)strtab;
	return (char *)d->d_buf + at;
}

/*
 * One name of an UPSTARE_HEAP_ARRAY(var, count) declaration, the entry at
 * offset at of object obj's section (its relocations come in any order).
 */
static void heap_array_part(struct xfgen *x, int obj, unsigned long at, bool is_var,
			    const char *name)
{
	struct heap_array *a = NULL;

	for (int i = 0; i < x->narrays && !a; i++)
		if (x->arrays[i].obj == obj && x->arrays[i].at == at)
			a = &x->arrays[i];
	if (!a) {
		x->arrays = xrealloc(x->arrays, (x->narrays + 1) * sizeof(*x->arrays));
		a = &x->arrays[x->narrays++];
		*a = (struct heap_array){ .obj = obj, .at = at };
	}
	free(is_var ? a->var : a->count);
	*(is_var ? &a->var : &a->count) = xstrdup(name);
}

/*
 * The transformers the patch's objects declare (upstare.h's macros put a
 * struct upstare_xform in section upstare_xf): which globals and types
 * the user converts, so that their generated conversion is not reported.
 */
void xfgen_user_xforms(struct xfgen *x, char **objs, int nobjs)
{
	for (int i = 0; i < nobjs; i++) {
		int fd;
		Elf *e = elf_open_read(objs[i], &fd);
		Elf_Scn *scn = NULL;
		size_t shstrndx;

		if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx))
			goto next;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr rs, ts;
			Elf_Scn *target, *symscn;
			Elf_Data *rd, *td, *sd;
			const char *name;

			if (!gelf_getshdr(scn, &rs) || rs.sh_type != SHT_RELA)
				continue;
			target = elf_getscn(e, rs.sh_info);
			if (!target || !gelf_getshdr(target, &ts) ||
			    !(name = elf_strptr(e, shstrndx, ts.sh_name)) || strcmp(name, "upstare_xf"))
				continue;
			rd = elf_getdata(scn, NULL);
			td = elf_getdata(target, NULL);
			symscn = elf_getscn(e, rs.sh_link);
			sd = symscn ? elf_getdata(symscn, NULL) : NULL;
			for (size_t k = 0; rd && td && rs.sh_entsize && k < rs.sh_size / rs.sh_entsize;
			     k++) {
				GElf_Rela r;
				const char *str;
				unsigned kind;
				unsigned long at;
				char *ent;

				/* struct upstare_xform: kind at 0, a at 8, b at 16 (LP64) */
				if (!gelf_getrela(rd, k, &r) || (r.r_offset % 48 != 8 &&
								 r.r_offset % 48 != 16))
					continue;
				at = r.r_offset - r.r_offset % 48;
				if (at + sizeof(kind) > td->d_size)
					continue;
				memcpy(&kind, (char *)td->d_buf + at, sizeof(kind));
				str = reloc_string(e, sd, 0, &r);
				if (str && kind == UPSTARE_XF_HEAP_ARRAY) {
					heap_array_part(x, i, at, r.r_offset % 48 == 8, str);
					continue;
				}
				if (!str || r.r_offset % 48 != 8 ||
				    (kind != UPSTARE_XF_GLOBAL && kind != UPSTARE_XF_TYPE &&
				     kind != UPSTARE_XF_HEAP && kind != UPSTARE_XF_HEAP_IN_PLACE))
					continue;
				if (asprintf(&ent, "%u %s", kind, str) < 0)
					continue;
				x->user = xrealloc(x->user, (x->nuser + 1) * sizeof(*x->user));
				x->user[x->nuser++] = ent;
			}
		}
next:
		if (e)
			elf_end(e);
		if (fd >= 0)
			close(fd);
	}
}

static bool user_converts(const struct xfgen *x, unsigned kind, const char *name)
{
	for (int i = 0; i < x->nuser; i++)
		if ((unsigned)atoi(x->user[i]) == kind && !strcmp(strchr(x->user[i], ' ') + 1, name))
			return true;
	return false;
}

int xfgen_base_field(struct xfgen *x, const char **desc, long *size, const char *path,
		     unsigned long *off)
{
	*off = 0;
	while (*path) {
		const char *dot = strchr(path, '.');
		size_t len = dot ? (size_t)(dot - path) : strlen(path);
		char *name = desc_name(*desc);
		const struct rec *r = (*desc)[0] == 'r' ? rec_find(&x->b, name) : NULL;
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
static void moved_fields(const struct rec *o, const struct rec *n)
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
		const struct rec *o, *n;

		if ((unsigned)atoi(x->user[i]) != UPSTARE_XF_HEAP_IN_PLACE ||
		    !own_changed(x, name))
			continue;
		o = rec_find(&x->b, name);
		n = rec_find(&x->n, name);
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

/* ---------------------------------------------------------------- emit */

static void c_string(struct sb *o, const char *s)
{
	if (s)
		sb_json_str(o, s);
	else
		sb_puts(o, "0");
}

static void emit(struct sb *o, const char *id, const struct deriv *d, const struct image *im)
{
	for (unsigned long i = 0; i < d->n; i++) {
		if (!d->v[i].nmap)
			continue;
		sb_printf(o, "static const long long %s_map%lu[] = {", id, i);
		for (unsigned long k = 0; k < d->v[i].nmap * 2; k++)
			sb_printf(o, "%s%lldLL", k ? ", " : " ", d->v[i].map[k]);
		sb_puts(o, " };\n");
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
		sb_printf(o, "%s_rel, %lu\n};\n", id, im->nrel);
	else
		sb_puts(o, "0, 0\n};\n");
}

int xfgen_global(struct xfgen *x, struct sb *out, const char *id, const struct xfgen_var *ov,
		 const struct xfgen_var *nv, const char *old_storage)
{
	struct deriv d = { 0 };
	struct image im;

	image_of(x, old_storage, ov->size, &im);
	d.im = &im;
	if (!ov->desc || !nv->desc)
		fail(&d, "%s: no shape in the metadata (built by an older upstare-cc)", nv->name);
	else if (derive(x, &d, 0, ov->desc, ov->size, 0, nv->desc, nv->size, nv->name, 0) &&
		 ov->desc[0] != 'r')
		deriv_truncate(&d, 0);	/* only a record's fields are derived one by one */
	emit(out, id, &d, &im);
	if (user_converts(x, UPSTARE_XF_GLOBAL, nv->name) ||
	    user_converts(x, UPSTARE_XF_TYPE, nv->type)) {
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
			ov->type, nv->type, steps(&d), steps(&d) == 1 ? "" : "s", im.kind ? "; given the new initial value if "
			"unchanged since the start" : "", d.notes.s ? ":" : "");
		if (d.notes.s)
			fputs(d.notes.s, stderr);
	}
	deriv_free(&d);
	for (unsigned long i = 0; i < im.nrel; i++)
		free(im.rel[i].sym);
	free(im.rel);
	free(im.bytes);
	return 0;
}

int xfgen_type(struct xfgen *x, struct sb *out, const char *id, const char *name,
	       long *old_size, long *new_size)
{
	const struct rec *o = rec_find(&x->b, name), *n = rec_find(&x->n, name);
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
	emit(out, id, &d, &im);
	*old_size = o->size;
	*new_size = n->size;
	if (x->explain) {
		if (d.why)
			fprintf(stderr, "upstare-cc: locals of type %s: no conversion can be "
				"generated: %s; a frame holding one needs a stack transformer%s\n",
				name, d.why, d.notes.s ? ":" : "");
		else
			fprintf(stderr, "upstare-cc: locals of type %s: converted by a generated "
				"transformer (%lu step%s)%s\n", name, steps(&d),
				steps(&d) == 1 ? "" : "s", d.notes.s ? ":" : "");
		if (d.notes.s)
			fputs(d.notes.s, stderr);
	}
	deriv_free(&d);
	return 0;
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

		name = desc_name(desc);
		if (!name[0] || !rec_changed_at(x, name, &which)) {
			free(name);
			return;
		}
		if (desc[1] == '<' && heap_converted(x, name)) {
			/* a root of the heap conversion */
			snprintf(sub, sizeof(sub), "%s", what);
			push(d, __UPSTARE_XOP_PTR, off, off, size, size, sub)->type = name;
			return;
		}
		if (which && strcmp(which, name))
			snprintf(sub, sizeof(sub), "%s, a pointer to '%s' (which leads to '%s', whose "
				 "layout changed),", what, name, which);
		else
			snprintf(sub, sizeof(sub), "%s, a pointer to '%s', whose layout changed,",
				 what, name);
		push(d, __UPSTARE_XOP_NULL, off, 0, size, 0, sub);
		free(name);
	} else if (desc[0] == 'r') {
		const struct rec *r;

		name = desc_name(desc);
		r = rec_find(&x->n, name);
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
		push(d, __UPSTARE_XOP_ARRAY, off, off, size / n, size / n, what);
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
	char *name = desc_name(desc), sub[512];
	bool pp = !strncmp(desc, "pp<", 3);
	struct op *op;

	if ((!pp && strncmp(desc, "p<", 2)) || !heap_converted(x, name)) {
		fprintf(stderr, "upstare-cc: UPSTARE_HEAP_ARRAY(%s, %s): %s is not a pointer to "
			"records converted on the heap (a record whose layout changed and that "
			"the patch declares with UPSTARE_HEAP_CONVERT), nor to pointers to them\n",
			what, cnt->name, what);
		free(name);
		return -1;
	}
	snprintf(sub, sizeof(sub), "%s[%s]", what, cnt->name);
	op = push(d, __UPSTARE_XOP_PTR, 0, 0, size, size, sub);
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
		emit(out, id, &d, &im);
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
	deriv_free(&d);
	return n ? 1 : 0;
}

/* Does the base have a function of that name (that may have frames)? */
static bool base_has_function(const struct xfgen *x, const char *name)
{
	for (const struct json *u = x->bdoc ? x->bdoc->child : NULL; u; u = u->next) {
		const struct json *fs = json_get(u, "functions");

		for (const struct json *f = fs && fs->type == JSON_ARR ? fs->child : NULL; f;
		     f = f->next)
			if (json_str(f, "name") && !strcmp(json_str(f, "name"), name))
				return true;
	}
	return false;
}

/*
 * Each local of the new version's functions that may continue an old
 * frame (a function of that name is in the base): fn(arg, function, key,
 * desc, size).
 */
void xfgen_each_local(struct xfgen *x, void (*fn)(void *, const char *, const char *,
						  const char *, long), void *arg)
{
	for (const struct json *u = x->ndoc ? x->ndoc->child : NULL; u; u = u->next) {
		const struct json *fs = json_get(u, "functions");

		for (const struct json *f = fs && fs->type == JSON_ARR ? fs->child : NULL; f;
		     f = f->next) {
			const struct json *ls = json_get(f, "locals");

			if (!json_str(f, "name") || !base_has_function(x, json_str(f, "name")))
				continue;
			for (const struct json *l = ls && ls->type == JSON_ARR ? ls->child : NULL; l;
			     l = l->next) {
				const char *desc = json_str(l, "desc");

				if (!desc || !json_str(f, "name") || !strchr(desc, '<') ||
				    (desc[0] != 'p' && desc[0] != 'r' && desc[0] != 'a'))
					continue;
				fn(arg, json_str(f, "name"), json_str(l, "key") ? json_str(l, "key") :
				   json_str(l, "name"), desc, json_int(l, "size", 0));
			}
		}
	}
}
