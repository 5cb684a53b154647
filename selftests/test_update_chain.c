// SPDX-License-Identifier: GPL-2.0
/*
 * update/chain: successive updates v1 -> v2 -> v3, then a patch back to v1.
 * Each patch is built on the one before it (--base PATCH.so).  Global hits
 * changes type in v3 (int -> long) and back (long -> int): each time it
 * gets new storage and its transformer carries the value, and main's
 * counter carries over every time.
 *
 * Every update after the first unwinds frames of a patch through the
 * patch's stack maps (userlib/records.c).  update/chain_save_code: the
 * same, the program and every patch built with --no-records (the saves
 * as code).
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

static enum test_result run_with(struct test_ctx *ctx, const char *flags)
{
	static const struct step steps[] = {
		{ "v2.so", "v2", 1000 }, { "v3.so", "v3", 1 }, { "back.so", "v1", 1 },
	};
	enum test_result res = TEST_FAIL;
	const char *prev = "v1";
	struct upd u;

	char srcs[4][64];

	if (!upd_init(&u, ctx, "chain", &res))
		return res;
	snprintf(srcs[0], sizeof(srcs[0]), "%sv1/prog.c", flags);
	snprintf(srcs[1], sizeof(srcs[1]), "%sv2/prog.c", flags);
	snprintf(srcs[2], sizeof(srcs[2]), "%sv3/prog.c to_v3.c", flags);
	snprintf(srcs[3], sizeof(srcs[3]), "%sv1/prog.c to_v1.c", flags);
	if (!upd_build(&u, "v1", srcs[0]) || !upd_patch(&u, "v1", "v2.so", srcs[1]) ||
	    !upd_patch(&u, "v2.so", "v3.so", srcs[2]) ||
	    !upd_patch(&u, "v3.so", "back.so", srcs[3]) ||
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

static enum test_result run(struct test_ctx *ctx)
{
	return run_with(ctx, "");
}

static enum test_result run_save_code(struct test_ctx *ctx)
{
	return run_with(ctx, "--no-records ");
}

UPDATE_TEST(chain, run)
UPDATE_TEST(chain_save_code, run_save_code)
