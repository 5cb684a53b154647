// SPDX-License-Identifier: GPL-2.0
/*
 * A comparator handed to qsort through a local variable, and one through a
 * table: which function the pointer holds is not known, so every
 * address-taken function of the comparator's type is a callback.  Functions
 * of other types, and a comparator-typed function whose address is never
 * taken, stay reconstructible.
 */
// expect-nr: by_key by_name
// expect-rebuildable: key main pick direct_only
#include <stdlib.h>
#include <string.h>

static int key(const int *p)
{
	return *p % 10;
}

static int by_key(const void *a, const void *b)
{
	return key(a) - key(b);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int direct_only(const void *a, const void *b)
{
	return a != b;
}

static int (*const table[])(const void *, const void *) = { by_name };

static int (*pick(int i))(const void *, const void *)
{
	return i ? table[0] : 0;
}

int main(void)
{
	int v[4] = { 3, 1, 2, 0 };
	int (*cmp)(const void *, const void *) = by_key;

	qsort(v, 4, sizeof(int), cmp);
	qsort(v, 4, sizeof(int), pick(1));
	return direct_only(v, v);
}
