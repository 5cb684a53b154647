// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Objects of record types whose layout changed, converted where they are
 * reached through typed pointers, for the types the patch declares with
 * UPSTARE_HEAP_CONVERT (patches.rst, "Objects on the heap").
 *
 * The conversions of globals and frames meet pointers to such objects
 * (PTR steps, userlib/convert.c) and register the slots that hold them
 * (upstare__ptr_sink: convert.c is the layer below, and this file gives it
 * the two functions to call when the transform begins).
 * Once every global and frame is converted, upstare__heap_convert() takes
 * the slots one by one: an object not seen yet gets a new object of the
 * new layout (calloc'd, filled by the type's generated conversion, whose
 * own PTR steps register its pointers in turn), and every slot is moved to
 * the new object of its target, each object converted once however many
 * pointers lead to it (a forwarding table).  The old objects stay where
 * they are: a pointer the conversion did not see (the patch's author says
 * there is none) would otherwise lead to freed memory.  The slots that
 * are not in new storage (globals kept as they are) are put back, and the
 * new objects freed, when the update does not commit.
 *
 * A type declared UPSTARE_HEAP_CONVERT_IN_PLACE is converted where it is
 * (into a scratch object, then copied over the old one, whose bytes are
 * kept to put back), so that pointers the conversion cannot see (void *
 * callback arguments, pointers to an embedded field) still lead to it.
 * An array declared UPSTARE_HEAP_ARRAY is taken first, before any object
 * is, so that a pointer to one of its elements is forwarded to that
 * element's new place instead of being converted as an object of its own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare.h"

struct slot {
	void **where;
	const char *type;
	void *old;		/* what it held, to put back (in place only) */
	int in_place;
};

static struct slot *slots;
static size_t nslots, capslots, done;

static struct upstare__ptrmap fwd;	/* old object -> new object */
static void **made;	/* the new objects, to free on rollback */
static size_t nmade, capmade;

struct array {
	void **where;
	const char *type;
	unsigned long n;
	int ptrs, in_place;
	void *old;
};
static struct array *arrays;
static size_t narrays, caparrays;

struct undo {		/* an object converted in place: its old bytes */
	void *obj, *bytes;
	size_t size;
};
static struct undo *undos;
static size_t nundos, capundos;
static size_t nconverted;	/* objects converted, however */

/*
 * How objects of a type are converted, looked up once per type and update
 * (not per object: 100 000 of them are converted in tens of ms).
 */
struct kind {
	const char *type;	/* the steps' string: compared by address first */
	const struct __upstare_type_conv *tc;
	const struct upstare_xform *user;	/* the patch's transformer of it */
	int in_place;		/* UPSTARE_HEAP_CONVERT_IN_PLACE */
};
#define NKINDS 32
static struct kind kinds[NKINDS];
static unsigned nkinds;

/* Room for one more element of *v (n used of *cap, each size bytes). */
static int grow(void **v, size_t n, size_t *cap, size_t size)
{
	void *m;

	if (n < *cap)
		return 0;
	m = realloc(*v, (*cap ? 2 * *cap : 64) * size);
	if (!m)
		return -ENOMEM;
	*v = m;
	*cap = *cap ? 2 * *cap : 64;
	return 0;
}

static int heap_slot(void **where, const char *type, int in_place)
{
	if (grow((void **)&slots, nslots, &capslots, sizeof(*slots)))
		return -ENOMEM;
	slots[nslots++] = (struct slot){ where, type, *where, in_place };
	return 0;
}

static int heap_array(void **where, const char *type, unsigned long n, int ptrs, int in_place)
{
	if (grow((void **)&arrays, narrays, &caparrays, sizeof(*arrays)))
		return -ENOMEM;
	arrays[narrays++] = (struct array){ where, type, n, ptrs, in_place, *where };
	return 0;
}

/* What the generated conversions' PTR steps register (convert.c). */
static const struct upstare__ptr_sink sink = { heap_slot, heap_array };

void upstare__heap_begin(void)
{
	nkinds = 0;
	nslots = done = nmade = narrays = nundos = nconverted = 0;
	upstare__ptrmap_clear(&fwd);
	upstare__ptr_sink = &sink;
}

static int remember(void *obj)
{
	if (grow((void **)&made, nmade, &capmade, sizeof(*made)))
		return -ENOMEM;
	made[nmade++] = obj;
	return 0;
}

/*
 * A pointer to a global whose type changed goes to the global's new
 * storage, not to a copy: each one of a type converted on the heap (or an
 * array of them, element by element) is forwarded before any object is.
 */
static int forward_moves(void)
{
	for (unsigned i = 0; i < upstare__patch->p->nmoves; i++) {
		const struct __upstare_global_move *m = &upstare__patch->p->moves[i];
		const struct __upstare_type_conv *tc = NULL;
		const char *rec;
		char *old = upstare__sym(m->old_sym);
		char *new = upstare__obj_sym(upstare__patch->obj, m->new_sym);
		size_t n;

		/* by the shape's name: a typedef's spelling (conn_t) names no conversion */
		if ((rec = m->record) && (n = strlen(rec)))
			tc = upstare__type_conv(rec, n);
		else if ((rec = upstare__record_of(m->new_type, &n)))
			tc = upstare__type_conv(rec, n);
		if (!tc || !old || !new || !tc->old_size || !tc->new_size ||
		    m->old_size % tc->old_size || m->new_size % tc->new_size)
			continue;
		for (unsigned long e = 0; e < m->old_size / tc->old_size &&
		     e < m->new_size / tc->new_size; e++)
			if (upstare__ptrmap_put(&fwd, old + e * tc->old_size,
						new + e * tc->new_size) ||
			    upstare__ptrmap_put(&fwd, new + e * tc->new_size,
						new + e * tc->new_size))
				return -ENOMEM;
	}
	return 0;
}

/*
 * The conversion of type, or NULL with the reason (upstare_fail): the
 * patch's transformer of the type (UPSTARE_TYPE_TRANSFORMER) if it has
 * one, else the generated one.
 */
static const struct kind *conv_of(const char *type)
{
	static struct kind spare;	/* past NKINDS types: looked up each time */
	struct kind *k = NULL;

	for (unsigned i = 0; i < nkinds && !k; i++)
		if (kinds[i].type == type || !strcmp(kinds[i].type, type))
			k = &kinds[i];
	if (!k) {
		k = nkinds < NKINDS ? &kinds[nkinds++] : &spare;
		*k = (struct kind){ type, upstare__type_conv(type, strlen(type)),
				    upstare__xf_find(UPSTARE_XF_TYPE, type, NULL),
				    upstare__xf_find(UPSTARE_XF_HEAP_IN_PLACE, type, NULL) != NULL };
	}
	if (!k->tc || (k->tc->gen->why && !k->user)) {
		upstare_fail("objects of '%s' cannot be converted: %s", type,
			     k->tc ? k->tc->gen->why : "the patch has no conversion of it");
		return NULL;
	}
	return k;
}

static int convert_one(const struct kind *k, const void *old, void *new)
{
	const struct __upstare_type_conv *tc = k->tc;
	const struct upstare_xform *x = k->user;
	int err;

	if (!x)
		return upstare__gen_object(tc, old, new);
	upstare__default_set(tc->gen, tc->old_size, tc->new_size);
	upstare__xf_arm(1);	/* the patch's code: stopped at the deadline */
	err = x->obj(new, old, tc->old_size);
	upstare__xf_arm(0);
	upstare__default_set(NULL, 0, 0);
	if (err && !upstare__fail_msg[0])
		upstare_fail("the patch's transformer of '%s' failed (%d)", tc->name, err);
	return err;
}

int upstare_heap_pointer(void **where, const char *type)
{
	if (!upstare__type_conv(type, strlen(type)))
		return -ENOENT;
	return heap_slot(where, type, 0);
}

/*
 * Object old of type tc converted where it is: into a scratch object, whose
 * pointers to convert (the slots its conversion registers) are moved to
 * the object before it is copied over it.
 */
static int convert_in_place(const struct kind *k, void *old)
{
	const struct __upstare_type_conv *tc = k->tc;
	size_t first = nslots;
	char *tmp;
	int err;

	if (tc->new_size > tc->old_size) {
		upstare_fail("objects of '%s' grow from %lu to %lu bytes and cannot be converted "
			     "in place", tc->name, tc->old_size, tc->new_size);
		return -EINVAL;
	}
	if (grow((void **)&undos, nundos, &capundos, sizeof(*undos)) ||
	    !(tmp = calloc(1, tc->new_size ? tc->new_size : 1)))
		goto nomem;
	undos[nundos].bytes = malloc(tc->old_size);
	if (!undos[nundos].bytes || upstare__ptrmap_put(&fwd, old, old)) {
		free(undos[nundos].bytes);
		free(tmp);
		goto nomem;
	}
	memcpy(undos[nundos].bytes, old, tc->old_size);
	undos[nundos].obj = old;
	undos[nundos++].size = tc->old_size;
	err = convert_one(k, old, tmp);
	if (!err) {
		for (size_t i = first; i < nslots; i++)
			if ((char *)slots[i].where >= tmp &&
			    (char *)slots[i].where < tmp + tc->new_size)
				slots[i].where = (void **)((char *)old +
							   ((char *)slots[i].where - tmp));
		memcpy(old, tmp, tc->new_size);
		memset((char *)old + tc->new_size, 0, tc->old_size - tc->new_size);
		nconverted++;
	}
	free(tmp);
	return err;
nomem:
	upstare_fail("out of memory converting objects of '%s'", tc->name);
	return -ENOMEM;
}

/*
 * A declared array: its pointers become slots, or its objects are
 * converted into a new array (in place when their size does not change
 * and the type is declared so), every element forwarded first.
 */
static int convert_array(struct array *a)
{
	const struct __upstare_type_conv *tc;
	const struct kind *k;
	char *old = *a->where, *new;

	if (!old || !a->n)
		return 0;
	if (a->ptrs) {
		for (unsigned long i = 0; i < a->n; i++)
			if (heap_slot((void **)old + i, a->type, 1))
				goto nomem;
		return 0;
	}
	if (!(k = conv_of(a->type)))
		return -EINVAL;
	tc = k->tc;
	/*
	 * Its elements already have their new place: a global of that array
	 * type that moved (workers = pool), or another declared array of the
	 * same objects.  That conversion stands; this pointer follows it.
	 */
	new = upstare__ptrmap_get(&fwd, old);
	if (new) {
		if (upstare__ptrmap_get(&fwd, old + (a->n - 1) * tc->old_size) !=
		    new + (a->n - 1) * tc->new_size) {
			upstare_fail("an array of %lu '%s' overlaps objects converted otherwise "
				     "(a shorter array, or objects of their own)", a->n, a->type);
			return -EINVAL;
		}
		*a->where = new;
		return 0;
	}
	if (k->in_place && tc->new_size != tc->old_size) {
		upstare_fail("an array of '%s' cannot be converted in place: its elements change "
			     "size (%lu to %lu bytes)", a->type, tc->old_size, tc->new_size);
		return -EINVAL;
	}
	if (k->in_place) {
		for (unsigned long i = 0; i < a->n; i++) {
			int err = convert_in_place(k, old + i * tc->old_size);

			if (err)
				return err;
		}
		return 0;
	}
	if (a->n > SIZE_MAX / (tc->new_size ? tc->new_size : 1) ||
	    !(new = calloc(a->n, tc->new_size ? tc->new_size : 1)))
		goto nomem;
	if (remember(new)) {
		free(new);
		goto nomem;
	}
	for (unsigned long i = 0; i < a->n; i++)
		if (upstare__ptrmap_put(&fwd, old + i * tc->old_size, new + i * tc->new_size) ||
		    upstare__ptrmap_put(&fwd, new + i * tc->new_size, new + i * tc->new_size))
			goto nomem;
	for (unsigned long i = 0; i < a->n; i++) {
		int err = convert_one(k, old + i * tc->old_size, new + i * tc->new_size);

		if (err)
			return err;
	}
	*a->where = new;
	nconverted += a->n;
	return 0;
nomem:
	upstare_fail("out of memory converting an array of '%s'", a->type);
	return -ENOMEM;
}

static int convert_all(void *arg)
{
	(void)arg;
	if (forward_moves()) {
		upstare_fail("out of memory converting the heap");
		return -ENOMEM;
	}
	/* the arrays come from globals, all registered by now */
	for (size_t i = 0; i < narrays; i++) {
		int err = convert_array(&arrays[i]);

		if (err)
			return err;
	}
	/* slots are added while converting: nslots grows */
	for (; done < nslots; done++) {
		struct slot *s = &slots[done];
		void *old = *s->where, *new;
		const struct __upstare_type_conv *tc;
		const struct kind *k = NULL;
		int err;

		if (!old)
			continue;
		new = upstare__ptrmap_get(&fwd, old);
		if (!new && !(k = conv_of(s->type)))
			return -EINVAL;
		if (!new && k->in_place) {
			err = convert_in_place(k, old);
			if (err)
				return err;
			s = &slots[done];	/* slots may have moved */
			new = old;
		} else if (!new) {
			tc = k->tc;
			new = calloc(1, tc->new_size ? tc->new_size : 1);
			/* a new object met again (a slot seen twice) is not converted again */
			if (!new || remember(new) || upstare__ptrmap_put(&fwd, old, new) ||
			    upstare__ptrmap_put(&fwd, new, new)) {
				free(new);
				upstare_fail("out of memory converting objects of '%s'", s->type);
				return -ENOMEM;
			}
			err = convert_one(k, old, new);
			if (err)
				return err;
			nconverted++;
			s = &slots[done];	/* slots may have moved */
		}
		*s->where = new;
	}
	return 0;
}

int upstare__heap_convert(void)
{
	char why[256];
	int err;

	if (!nslots && !narrays)
		return 0;
	err = upstare__guarded(convert_all, NULL, why, sizeof(why));
	if (err == -EFAULT && why[0])
		upstare__reason("converting objects on the heap: %s (a pointer the conversion "
				"followed does not lead to an object of its type)", why);
	else if (err)
		upstare__reason("converting objects on the heap: %s", upstare__fail_msg);
	return err ? -EINVAL : 0;
}

size_t upstare__heap_converted(void)
{
	return nconverted;
}

void upstare__heap_end(int rollback)
{
	if (rollback) {
		for (size_t i = nslots; i-- > 0;)
			if (slots[i].in_place)
				*slots[i].where = slots[i].old;
		for (size_t i = nundos; i-- > 0;)
			memcpy(undos[i].obj, undos[i].bytes, undos[i].size);
		for (size_t i = narrays; i-- > 0;)
			if (arrays[i].in_place)
				*arrays[i].where = arrays[i].old;
		for (size_t i = 0; i < nmade; i++)
			free(made[i]);
	}
	for (size_t i = 0; i < nundos; i++)
		free(undos[i].bytes);
	nslots = done = nmade = narrays = nundos = nconverted = 0;
	upstare__ptrmap_clear(&fwd);
}
