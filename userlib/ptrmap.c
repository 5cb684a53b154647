// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * A map from addresses to addresses, open addressing, at most half full:
 * the function map that every indirect call looks its target up in after
 * the first update (patch.c) and the forwarding table of the heap
 * conversion (heap.c).  Lookups are inline (runtime.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"

/* Set key's value in t; 1 if the key was not there. */
static int place(struct upstare__ptrpair *t, unsigned bits, void *key, void *val)
{
	size_t mask = ((size_t)1 << bits) - 1, i;
	int added;

	for (i = upstare__ptrmap_slot(key, bits); t[i].key && t[i].key != key; i = (i + 1) & mask)
		;
	added = !t[i].key;
	t[i] = (struct upstare__ptrpair){ key, val };
	return added;
}

int upstare__ptrmap_put(struct upstare__ptrmap *m, void *key, void *val)
{
	if (!m->t || 2 * (m->n + 1) > ((size_t)1 << m->bits)) {
		unsigned bits = m->t ? m->bits + 1 : 10;
		struct upstare__ptrpair *t = calloc((size_t)1 << bits, sizeof(*t));

		if (!t)
			return -ENOMEM;
		for (size_t i = 0; m->t && i < ((size_t)1 << m->bits); i++)
			if (m->t[i].key)
				place(t, bits, m->t[i].key, m->t[i].val);
		upstare__free_zeroed(m->t, m->t ? ((size_t)1 << m->bits) * sizeof(*m->t) : 0);
		m->t = t;
		m->bits = bits;
	}
	m->n += place(m->t, m->bits, key, val);
	return 0;
}

void upstare__ptrmap_clear(struct upstare__ptrmap *m)
{
	if (m->t)
		memset(m->t, 0, ((size_t)1 << m->bits) * sizeof(*m->t));
	m->n = 0;
}

void upstare__ptrmap_free(struct upstare__ptrmap *m)
{
	/* old addresses: no stale copy in the heap for retire.c to find */
	upstare__free_zeroed(m->t, m->t ? ((size_t)1 << m->bits) * sizeof(*m->t) : 0);
	*m = (struct upstare__ptrmap){ 0 };
}
