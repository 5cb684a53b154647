// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Objects of record types whose layout changed, converted where they are
 * reached through typed pointers, for the types the patch declares with
 * UPSTARE_HEAP_CONVERT (patches.rst, "Objects on the heap").
 *
 * The conversions of globals and frames meet pointers to such objects
 * (PTR steps, userlib/convert.c) and register the slots that hold them.
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

void upstare__heap_begin(void)
{
	nslots = done = nmade = 0;
	upstare__ptrmap_clear(&fwd);
}

int upstare__heap_slot(void **where, const char *type, int in_place)
{
	if (nslots == capslots) {
		size_t cap = capslots ? 2 * capslots : 256;
		struct slot *s = realloc(slots, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		slots = s;
		capslots = cap;
	}
	slots[nslots++] = (struct slot){ where, type, *where, in_place };
	return 0;
}

static int remember(void *obj)
{
	if (nmade == capmade) {
		size_t cap = capmade ? 2 * capmade : 256;
		void **m = realloc(made, cap * sizeof(*m));

		if (!m)
			return -ENOMEM;
		made = m;
		capmade = cap;
	}
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
	for (unsigned i = 0; i < upstare__up.p->nmoves; i++) {
		const struct __upstare_global_move *m = &upstare__up.p->moves[i];
		const struct __upstare_type_conv *tc = NULL;
		const char *rec;
		char *old = upstare__sym(m->old_sym);
		char *new = upstare__obj_sym(upstare__up.obj, m->new_sym);
		size_t n;

		if ((rec = upstare__record_of(m->new_type, &n)))
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

static int convert_all(void *arg)
{
	(void)arg;
	if (forward_moves()) {
		upstare_fail("out of memory converting the heap");
		return -ENOMEM;
	}
	/* slots are added while converting: nslots grows */
	for (; done < nslots; done++) {
		struct slot *s = &slots[done];
		void *old = *s->where, *new;
		const struct __upstare_type_conv *tc;
		int err;

		if (!old)
			continue;
		new = upstare__ptrmap_get(&fwd, old);
		if (!new) {
			tc = upstare__type_conv(s->type, strlen(s->type));
			if (!tc || tc->gen->why) {
				upstare_fail("objects of '%s' cannot be converted: %s", s->type,
					     tc ? tc->gen->why : "the patch has no conversion of it");
				return -EINVAL;
			}
			new = calloc(1, tc->new_size ? tc->new_size : 1);
			/* a new object met again (a slot seen twice) is not converted again */
			if (!new || remember(new) || upstare__ptrmap_put(&fwd, old, new) ||
			    upstare__ptrmap_put(&fwd, new, new)) {
				free(new);
				upstare_fail("out of memory converting objects of '%s'", s->type);
				return -ENOMEM;
			}
			err = upstare__gen_object(tc, old, new);
			if (err)
				return err;
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

	if (!nslots)
		return 0;
	err = upstare__guarded(convert_all, NULL, why, sizeof(why));
	if (err == -EFAULT && why[0])
		upstare__reason("converting objects on the heap: %s (a pointer the conversion "
				"followed does not lead to an object of its type)", why);
	else if (err)
		upstare__reason("converting objects on the heap: %s", upstare__fail_msg());
	return err ? -EINVAL : 0;
}

size_t upstare__heap_converted(void)
{
	return nmade;
}

void upstare__heap_end(int rollback)
{
	if (rollback) {
		for (size_t i = nslots; i-- > 0;)
			if (slots[i].in_place)
				*slots[i].where = slots[i].old;
		for (size_t i = 0; i < nmade; i++)
			free(made[i]);
	}
	nslots = done = nmade = 0;
	upstare__ptrmap_clear(&fwd);
}
