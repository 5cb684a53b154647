// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore 1 -> 2: struct entry gained a field, so table gets new storage;
 * copy every entry and start its read count at zero.
 */
#include <errno.h>
#include <string.h>
#include <upstare.h>

struct entry_v1 {
	char key[32];
	char val[64];
};

struct entry {
	char key[32];
	char val[64];
	long reads;
};

static int xform_table(void *new_obj, const void *old_obj, size_t old_size)
{
	const struct entry_v1 *o = old_obj;
	struct entry *n = new_obj;

	if (old_size != 64 * sizeof(*o)) {
		upstare_fail("table: %zu bytes, expected %zu", old_size, 64 * sizeof(*o));
		return -EINVAL;
	}
	for (int i = 0; i < 64; i++) {
		memcpy(n[i].key, o[i].key, sizeof(n[i].key));
		memcpy(n[i].val, o[i].val, sizeof(n[i].val));
		n[i].reads = 0;
	}
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(table, xform_table);
