// SPDX-License-Identifier: GPL-2.0
/*
 * update/chain: successive updates v1 -> v2 -> v3, then a patch back to v1.
 * Each patch is built on the one before it (--base PATCH.so).  Global hits
 * changes type in v3 (int -> long) and back (long -> int): each time it
 * gets new storage and its transformer carries the value, and main's
 * counter carries over every time.
 */
#include <stdio.h>
#include <stdlib.h>

#include "updlib.h"

struct step {
	const char *patch, *tag;	/* apply patch, then expect "tag n=" */
	long n_step;			/* the new version's step */
};

static bool apply(struct upd *u, const struct step *s, const char *prev)
{
	char pre[32], pre_prev[32];
	size_t len;
	long last_n, last_hits;

	free(upd_output(u, &len));
	snprintf(pre, sizeof(pre), "%s n=", s->tag);
	if (!upd_expect(u, s->patch, 5000, "applied", s->patch) || !upd_wait(u, pre, len, 10))
		return false;
	/* the first line of the new version, against the last of the old one */
	snprintf(pre_prev, sizeof(pre_prev), "%s n=", prev);
	last_n = upd_last_value(u, pre_prev);
	snprintf(pre_prev, sizeof(pre_prev), "%s n=%ld hits=", prev, last_n);
	last_hits = upd_last_value(u, pre_prev);
	return upd_waitf(u, 0, 5, "%s n=%ld hits=%ld\n", s->tag, last_n + s->n_step,
			 last_hits + 1);
}

static enum test_result run(struct test_ctx *ctx)
{
	static const struct step steps[] = {
		{ "v2.so", "v2", 1000 }, { "v3.so", "v3", 1 }, { "back.so", "v1", 1 },
	};
	enum test_result res = TEST_FAIL;
	const char *prev = "v1";
	struct upd u;

	if (!upd_init(&u, ctx, "chain", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") ||
	    !upd_patch(&u, "v2.so", "v3.so", "v3/prog.c to_v3.c") ||
	    !upd_patch(&u, "v3.so", "back.so", "v1/prog.c to_v1.c") ||
	    !upd_run(&u, "v1 n=20 "))
		goto out;
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (!apply(&u, &steps[i], prev))
			goto out;
		prev = steps[i].tag;
	}
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(chain, run)
