// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * The conversions upstare-cc --patch generates for changed globals
 * (instrumentor/xfgen.c): a list of steps over the old and the new
 * storage, and the global's initial value in the old version.  A global
 * that still has its initial value is left as the new version initializes
 * it; any other is converted step by step, and a step that cannot convert
 * its value (an integer out of the new range, an enum value the new
 * version dropped, entries of a resized array that is not zeroed at start)
 * refuses the update with upstare_fail(), naming the field.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare.h"

/* Set by heap.c (upstare__heap_begin()): the one call upwards, runtime.h. */
const struct upstare__ptr_sink *upstare__ptr_sink;

/* Does old[off, off+len) hold what the old version starts it with? */
static int image_equal(const struct __upstare_xgen *g, const unsigned char *old,
		       unsigned long off, unsigned long len)
{
	uintptr_t load = (uintptr_t)old - g->link_addr;

	if (g->image == 1) {
		for (unsigned long i = 0; i < len; i++)
			if (old[off + i])
				return 0;
		return 1;
	}
	if (g->image != 2)
		return 0;
	for (unsigned long i = 0; i < len;) {
		unsigned long at = off + i, r;

		for (r = 0; r < g->nrelocs; r++)
			if (g->relocs[r].off == at)
				break;
		if (r < g->nrelocs) {
			uintptr_t want = g->relocs[r].sym ?
					 (uintptr_t)upstare__sym(g->relocs[r].sym) : load;
			uintptr_t have;

			if (g->relocs[r].sym && !want)
				return 0;
			memcpy(&have, old + at, sizeof(have));
			if (have != want + g->relocs[r].addend)
				return 0;
			i += sizeof(have);
			continue;
		}
		if (old[at] != g->bytes[at])
			return 0;
		i++;
	}
	return 1;
}

int upstare__gen_unchanged(const struct __upstare_global_move *m, const void *old)
{
	return m->gen && image_equal(m->gen, old, 0, m->old_size);
}

static int all_zero(const unsigned char *p, unsigned long n)
{
	for (unsigned long i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Does the old version start old[off, off+len) zeroed? */
static int image_zero(const struct __upstare_xgen *g, unsigned long off, unsigned long len)
{
	if (g->image == 1)
		return 1;
	if (g->image != 2 || !all_zero(g->bytes + off, len))
		return 0;
	for (unsigned long r = 0; r < g->nrelocs; r++)
		if (g->relocs[r].off + sizeof(void *) > off && g->relocs[r].off < off + len)
			return 0;
	return 1;
}

static int get_int(const unsigned char *p, unsigned long size, int is_signed, __int128 *v)
{
	uint64_t u = 0;

	if (size == 16) {
		memcpy(v, p, 16);
		return 0;
	}
	if (size > 8 || !size)
		return -1;
	memcpy(&u, p, size);
	if (is_signed && size < 8 && (u >> (size * 8 - 1)) & 1)
		u |= ~0ull << (size * 8);
	*v = is_signed ? (__int128)(int64_t)u : (__int128)u;
	return 0;
}

/* Store v in size bytes if it fits; 0 or -ERANGE. */
static int put_int(unsigned char *p, unsigned long size, int is_signed, __int128 v)
{
	__int128 lo, hi;

	if (size == 16) {
		memcpy(p, &v, 16);
		return 0;
	}
	if (size > 8 || !size)
		return -ERANGE;
	if (is_signed) {
		hi = ((__int128)1 << (size * 8 - 1)) - 1;
		lo = -hi - 1;
	} else {
		lo = 0;
		hi = ((__int128)1 << (size * 8)) - 1;
	}
	if (v < lo || v > hi)
		return -ERANGE;
	memcpy(p, &v, size);	/* little-endian: the low bytes */
	return 0;
}

static __int128 get_bits(const unsigned char *p, unsigned long bit, unsigned long width,
			 int is_signed)
{
	unsigned __int128 u = 0;

	for (unsigned long i = 0; i < width; i++)
		if (p[(bit + i) / 8] >> ((bit + i) % 8) & 1)
			u |= (unsigned __int128)1 << i;
	if (is_signed && width && width < 128 && (u >> (width - 1)) & 1)
		u |= ~(unsigned __int128)0 << width;
	return (__int128)u;
}

static int put_bits(unsigned char *p, unsigned long bit, unsigned long width, int is_signed,
		    __int128 v)
{
	__int128 lo = 0, hi;

	if (!width || width > 64)
		return -ERANGE;
	hi = is_signed ? ((__int128)1 << (width - 1)) - 1 : ((__int128)1 << width) - 1;
	if (is_signed)
		lo = -hi - 1;
	if (v < lo || v > hi)
		return -ERANGE;
	for (unsigned long i = 0; i < width; i++) {
		unsigned char mask = 1u << ((bit + i) % 8);

		if ((v >> i) & 1)
			p[(bit + i) / 8] |= mask;
		else
			p[(bit + i) / 8] &= ~mask;
	}
	return 0;
}

static long double get_float(const unsigned char *p, unsigned long size)
{
	float f;
	double d;
	long double l;

	if (size == sizeof(f)) {
		memcpy(&f, p, sizeof(f));
		return f;
	}
	if (size == sizeof(d)) {
		memcpy(&d, p, sizeof(d));
		return d;
	}
	memcpy(&l, p, sizeof(l));
	return l;
}

static void put_float(unsigned char *p, unsigned long size, long double v)
{
	float f = v;
	double d = v;

	if (size == sizeof(f))
		memcpy(p, &f, sizeof(f));
	else if (size == sizeof(d))
		memcpy(p, &d, sizeof(d));
	else
		memcpy(p, &v, sizeof(v));
}

struct conv {
	const struct __upstare_xgen *gen;
	const unsigned char *old;
	unsigned char *new;
	unsigned long old_size, new_size;
	int dry;		/* into scratch storage: no pointer is moved */
};

static int out_of(const struct conv *c, unsigned long o, unsigned long os, unsigned long n,
		  unsigned long ns, const char *what)
{
	if (o + os > c->old_size || n + ns > c->new_size || o + os < o || n + ns < n) {
		upstare_fail("%s: the patch's conversion reaches outside the global", what);
		return 1;
	}
	return 0;
}

/*
 * A pointer to an array of objects (or of pointers to them) declared by
 * UPSTARE_HEAP_ARRAY: as many as its count global holds now.
 */
static int counted(const struct __upstare_xop *x, void **where, int in_place)
{
	const unsigned char *at = x->count_sym ? upstare__sym(x->count_sym) : NULL;
	__int128 v = 0;

	if (!at) {
		upstare_fail("%s: the storage of its length (%s) is not found", x->what,
			     x->count_sym ? x->count_sym : "?");
		return -1;
	}
	if (get_int(at + x->count_off, x->count, x->flags & __UPSTARE_XOP_OSIGNED, &v) || v < 0 ||
	    v > (__int128)(SIZE_MAX / 64)) {
		upstare_fail("%s: its length is %lld, not a count of objects", x->what,
			     (long long)v);
		return -1;
	}
	if (upstare__ptr_sink->array(where, x->type, (unsigned long)v,
				     x->flags & __UPSTARE_XOP_PTRS, in_place)) {
		upstare_fail("out of memory converting the heap");
		return -1;
	}
	return 0;
}

static int run(const struct conv *c, const struct __upstare_xop *ops, unsigned long nops,
	       unsigned long obase, unsigned long nbase)
{
	for (unsigned long i = 0; i < nops; i++) {
		const struct __upstare_xop *x = &ops[i];
		unsigned long o = obase + x->ooff, n = nbase + x->noff;
		int osg = !!(x->flags & __UPSTARE_XOP_OSIGNED), nsg = !!(x->flags & __UPSTARE_XOP_NSIGNED);
		__int128 v;

		switch (x->op) {
		case __UPSTARE_XOP_COPY:
			if (out_of(c, o, x->osize, n, x->osize, x->what))
				return -EINVAL;
			memcpy(c->new + n, c->old + o, x->osize);
			break;
		case __UPSTARE_XOP_INT:
		case __UPSTARE_XOP_ENUM:
			if (out_of(c, o, x->osize, n, x->nsize, x->what))
				return -EINVAL;
			if (get_int(c->old + o, x->osize, osg, &v)) {
				upstare_fail("%s: an integer of %lu bytes is not converted", x->what,
					     x->osize);
				return -EINVAL;
			}
			if (x->op == __UPSTARE_XOP_ENUM) {
				unsigned long k;

				for (k = 0; k < x->nmap; k++)
					if (x->map[2 * k] == v)
						break;
				if (k == x->nmap) {
					upstare_fail("%s: value %lld has no counterpart in the new "
						     "version's enum", x->what, (long long)v);
					return -EINVAL;
				}
				v = x->map[2 * k + 1];
			}
			if (put_int(c->new + n, x->nsize, nsg, v)) {
				upstare_fail("%s: value %lld does not fit in the new type (%lu bytes, "
					     "%s)", x->what, (long long)v, x->nsize,
					     nsg ? "signed" : "unsigned");
				return -EINVAL;
			}
			break;
		case __UPSTARE_XOP_FLOAT:
			if (out_of(c, o, x->osize, n, x->nsize, x->what))
				return -EINVAL;
			put_float(c->new + n, x->nsize, get_float(c->old + o, x->osize));
			break;
		case __UPSTARE_XOP_BITS:
			if (out_of(c, o / 8, (o % 8 + x->osize + 7) / 8, n / 8,
				   (n % 8 + x->nsize + 7) / 8, x->what))
				return -EINVAL;
			v = get_bits(c->old, o, x->osize, osg);
			if (put_bits(c->new, n, x->nsize, nsg, v)) {
				upstare_fail("%s: value %lld does not fit in the new bit-field (%lu "
					     "bits)", x->what, (long long)v, x->nsize);
				return -EINVAL;
			}
			break;
		case __UPSTARE_XOP_ARRAY: {
			unsigned long olen = x->count * x->ostride, nlen = x->count * x->nstride;

			/* a check only (no new storage) reads the old side alone */
			if (x->nbody > nops - i - 1 ||
			    out_of(c, o, olen, c->new ? n : 0, c->new ? nlen : 0, x->what))
				return -EINVAL;
			if (x->flags & __UPSTARE_XOP_ZEROED) {
				/* resized: by position only when nothing was there at start */
				if (image_equal(c->gen, c->old, o, olen)) {
					i += x->nbody;
					break;	/* as it started: the new initial entries */
				}
				if (!image_zero(c->gen, o, olen) || !all_zero(c->new + n, nlen)) {
					unsigned long k = 0;

					while (k + 1 < x->count &&
					       image_equal(c->gen, c->old, o + k * x->ostride,
							   x->ostride))
						k++;
					upstare_fail("%s[%lu] changed since the program started, and "
						     "where it goes in the new version cannot be "
						     "derived: the array changed length and its "
						     "entries are initialized", x->what, k);
					return -EINVAL;
				}
			}
			for (unsigned long k = 0; k < x->count; k++) {
				int err = run(c, x + 1, x->nbody, o + k * x->ostride,
					      n + k * x->nstride);

				if (err)
					return err;
			}
			i += x->nbody;
			break;
		}
		case __UPSTARE_XOP_PTR:
			/* copied; its object converted by upstare__heap_convert() */
			if (out_of(c, o, x->osize, 0, 0, x->what))
				return -EINVAL;
			if (!c->new || c->dry)
				break;	/* a check only (prepare) */
			if (out_of(c, o, x->osize, n, x->nsize, x->what))
				return -EINVAL;
			if (x->osize != sizeof(void *) || x->nsize != sizeof(void *) || !x->type) {
				upstare_fail("%s: not a pointer the runtime can move", x->what);
				return -EINVAL;
			}
			if (c->new + n != c->old + o)
				memcpy(c->new + n, c->old + o, sizeof(void *));
			if (x->flags & __UPSTARE_XOP_COUNTED) {
				if (counted(x, (void **)(c->new + n), c->new + n == c->old + o))
					return -EINVAL;
			} else if (upstare__ptr_sink->slot((void **)(c->new + n), x->type,
							   c->new + n == c->old + o)) {
				upstare_fail("out of memory converting the heap");
				return -ENOMEM;
			}
			break;
		case __UPSTARE_XOP_NULL:
			if (out_of(c, o, x->osize, c->new ? n : 0, c->new ? x->nsize : 0, x->what))
				return -EINVAL;
			if (!all_zero(c->old + o, x->osize)) {
				if (x->flags & __UPSTARE_XOP_RETYPED)
					upstare_fail("%s is not NULL, and what it points to cannot "
						     "be converted", x->what);
				else
					upstare_fail("%s is not NULL, and objects on the heap are "
						     "not converted unless the patch declares "
						     "UPSTARE_HEAP_CONVERT for that type", x->what);
				return -EINVAL;
			}
			if (c->new && c->new + n != c->old + o)
				memset(c->new + n, 0, x->nsize);	/* NULL in the new too */
			break;
		case __UPSTARE_XOP_DROP:
			if (out_of(c, o, x->osize, 0, 0, x->what))
				return -EINVAL;
			if (!image_equal(c->gen, c->old, o, x->osize) &&
			    !all_zero(c->old + o, x->osize)) {
				upstare_fail("%s: the new version has no place for these entries, "
					     "and they changed since the start", x->what);
				return -EINVAL;
			}
			break;
		case __UPSTARE_XOP_OLD:
			break;	/* the old layout's, for upstare_old_field() */
		default:
			upstare_fail("%s: unknown conversion step %u", x->what, x->op);
			return -EINVAL;
		}
	}
	return 0;
}

int upstare__gen_convert(const struct __upstare_global_move *m, const void *old, void *new)
{
	struct conv c = { m->gen, old, new, m->old_size, m->new_size, 0 };

	if (upstare__gen_unchanged(m, old))
		return 0;	/* the new version's initial value, as it is */
	if (m->gen->why) {
		upstare_fail("it changed since the program started, and no conversion could be "
			     "generated: %s", m->gen->why);
		return -EINVAL;
	}
	return run(&c, m->gen->ops, m->gen->nops, 0, 0);
}

/* The generated conversion a transformer running now may take, or NULL. */
static const struct __upstare_xgen *def_gen;
static unsigned long def_osize, def_nsize;

void upstare__default_set(const struct __upstare_xgen *gen, unsigned long old_size,
			  unsigned long new_size)
{
	def_gen = gen;
	def_osize = old_size;
	def_nsize = new_size;
}

int upstare_convert_default(void *new_obj, const void *old_obj)
{
	struct conv c = { def_gen, old_obj, new_obj, def_osize, def_nsize, 0 };

	if (!def_gen) {
		upstare_fail("upstare_convert_default(): no generated conversion here");
		return -ENOENT;
	}
	return def_gen->ops ? run(&c, def_gen->ops, def_gen->nops, 0, 0) : 0;
}

const void *upstare_old_field(const void *old_obj, const char *field, size_t *size)
{
	const struct __upstare_xop *old = def_gen ? def_gen->old : NULL;

	/* each names its field "root.field" ("struct conn.event", "cfg.c.buf") */
	for (unsigned long i = 0; old && i < def_gen->nold; i++) {
		const char *dot = old[i].what ? strchr(old[i].what, '.') : NULL;

		if (!dot || strcmp(dot + 1, field) || old[i].ooff + old[i].osize > def_osize)
			continue;
		if (size)
			*size = old[i].osize;
		return (const char *)old_obj + old[i].ooff;
	}
	return NULL;
}

int upstare__gen_dry_run(const struct __upstare_global_move *m, const void *old,
			 const void *new_init)
{
	struct conv c = { m->gen, old, NULL, m->old_size, m->new_size, 1 };
	int err;

	/* nothing would run (no steps: the caller reports it) */
	if (upstare__gen_unchanged(m, old) || m->gen->why)
		return 0;
	if (!(c.new = malloc(m->new_size ? m->new_size : 1))) {
		upstare_fail("out of memory");
		return -ENOMEM;
	}
	memcpy(c.new, new_init, m->new_size);
	err = run(&c, m->gen->ops, m->gen->nops, 0, 0);
	free(c.new);
	return err;
}

const char *upstare__record_of(const char *type, size_t *len)
{
	size_t n;

	while (!strncmp(type, "const ", 6) || !strncmp(type, "volatile ", 9))
		type += type[0] == 'c' ? 6 : 9;
	if (strchr(type, '*') || strchr(type, '('))
		return NULL;
	n = strcspn(type, "[");
	while (n && type[n - 1] == ' ')
		n--;
	*len = n;
	return type;
}

const struct __upstare_type_conv *upstare__type_conv(const char *name, size_t len)
{
	for (unsigned i = 0; i < upstare__patch->p->ntype_convs; i++)
		if (strlen(upstare__patch->p->type_convs[i].name) == len &&
		    !strncmp(upstare__patch->p->type_convs[i].name, name, len))
			return &upstare__patch->p->type_convs[i];
	return NULL;
}

int upstare__gen_local(const char *type, const void *old, unsigned long osize, void *new,
		       unsigned long nsize)
{
	const struct __upstare_type_conv *tc = NULL;
	unsigned long count;
	size_t n;

	if ((type = upstare__record_of(type, &n)))
		tc = upstare__type_conv(type, n);
	if (!tc || !tc->old_size || osize % tc->old_size)
		return -ENOENT;
	count = osize / tc->old_size;
	if (nsize != count * tc->new_size)
		return -ENOENT;
	if (tc->gen->why) {
		upstare_fail("%s", tc->gen->why);
		return -EINVAL;
	}
	/* one element at a time: a local array of them */
	for (unsigned long k = 0; k < count; k++) {
		struct conv c = { tc->gen, (const unsigned char *)old + k * tc->old_size,
				  (unsigned char *)new + k * tc->new_size, tc->old_size,
				  tc->new_size, 0 };
		int err = run(&c, tc->gen->ops, tc->gen->nops, 0, 0);

		if (err)
			return err;
	}
	return 0;
}

int upstare__watch_check(const struct __upstare_watch *w, const void *old, void *new)
{
	struct conv c = { w->gen, old, new, w->size, new ? w->size : 0, 0 };

	return run(&c, w->gen->ops, w->gen->nops, 0, 0);
}

int upstare__gen_object(const struct __upstare_type_conv *tc, const void *old, void *new)
{
	struct conv c = { tc->gen, old, new, tc->old_size, tc->new_size, 0 };

	return run(&c, tc->gen->ops, tc->gen->nops, 0, 0);
}

const struct __upstare_watch *upstare__watch_local(const char *function, const char *key)
{
	for (unsigned i = 0; i < upstare__patch->p->nwatches; i++) {
		const struct __upstare_watch *w = &upstare__patch->p->watches[i];

		if (w->function && !strcmp(w->function, function) && !strcmp(w->name, key))
			return w;
	}
	return NULL;
}
