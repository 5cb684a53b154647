// SPDX-License-Identifier: GPL-2.0
/*
 * Changed globals converted by the transformers upstare-cc --patch
 * generates (instrumentor/xfgen.c, userlib/convert.c), with no line
 * written by the user.
 *
 * update/config_table: a configuration table (names and pointers to the
 * variables they set, as vsftpd's) gains an entry in the middle.  It never
 * changed since the start, so it takes version 2's table as it is: the new
 * entry is there and every entry still points to its variable.
 *
 * update/config_table_changed: the same table, one entry retargeted at
 * start.  Where it goes in the longer table cannot be derived: refused at
 * prepare (the dry run of the generated conversion), nothing parked, the
 * entry named, version 1 goes on.
 *
 * update/gen_types: an enum gains a value in the middle, a struct's fields
 * are reordered, widened (int -> long, short -> int, a bit-field grows)
 * and one added, a zeroed array of them grows, a float becomes a double;
 * every value, set at run time, is carried into version 2, main's local
 * of the struct too.
 *
 * update/gen_narrowing: a long becomes an int and holds more than INT_MAX:
 * refused at prepare by the dry run of the generated conversion (before,
 * rolled back once every thread was parked), nothing parked, the global and
 * its value named.
 *
 * update/gen_enum64: an enum value that needs all 64 bits changes by one,
 * which the metadata once read as a double (53 bits) and took for no
 * change: the global holding it was copied, no longer its enum's value.
 * It now holds the new version's value.
 *
 * update/generated_field, update/tentative_generated: a field inserted in
 * the middle of a struct global (defined with an initializer, or
 * tentatively in another file): the old fields keep their values, the new
 * one starts as version 2 initializes it.
 */
#include <stdlib.h>

#include "updlib.h"

static enum test_result config_table(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "config_table", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 tick=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 tick=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 tick=");
	if (!upd_waitf(&u, 0, 1, "v2 tick=%ld alpha=%ld beta=2 gamma=3\n", last + 1, last + 2))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result config_table_changed(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "config_table", &res))
		return res;
	if (upd_build(&u, "v1", "-DRETARGET v1/prog.c") && upd_patch(&u, "v1", "v2.so", "v2/prog.c") &&
	    upd_run(&u, "v1 tick=20 alpha=21 gamma=2\n") &&
	    upd_expect(&u, "v2.so", 5000, "refused", "result") &&
	    ASSERT_STRSTR(u.json, "\"parked\":0,", "nothing parked") &&
	    ASSERT_STRSTR(u.json, "global settings: settings[1] changed since the program "
			  "started", "the entry named") &&
	    upd_goes_on(&u, "v1 tick=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result gen_types(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "gen_types", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 count=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 count=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 count=");
	if (!upd_waitf(&u, 0, 1, "v2 count=%ld st=BUSY small=-300 flags=5 jobs1=DONE/77 "
		       "ratio=0.50 total=%ld mine=DONE/%ld added=0 n=3\n", last + 1, last + 1,
		       last + 5 + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result gen_narrowing(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "gen_types", &res))
		return res;
	if (upd_build(&u, "v1", "-DTOTAL_START=5000000000L v1/prog.c") &&
	    upd_patch(&u, "v1", "v3.so", "v3/prog.c") && upd_run(&u, "v1 count=20 ") &&
	    upd_expect(&u, "v3.so", 5000, "refused", "result") &&
	    ASSERT_STRSTR(u.json, "\"parked\":0,", "nothing parked") &&
	    ASSERT_STRSTR(u.json, "global total: total: value 50000000", "the global named") &&
	    ASSERT_STRSTR(u.json, "does not fit in the new type (4 bytes, signed)", "why") &&
	    upd_goes_on(&u, "v1 count=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result gen_enum64(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "gen_enum64", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 n=20 top=1\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 n=");
	if (!upd_waitf(&u, 0, 1, "v2 n=%ld top=1\n", last + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result field_with(struct test_ctx *ctx, const char *name, const char *v1,
				   const char *v2)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, name, &res))
		return res;
	if (!upd_build(&u, "v1", v1) || !upd_patch(&u, "v1", "v2.so", v2) ||
	    !upd_run(&u, "v1 requests=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 requests=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 requests=");
	if (!upd_waitf(&u, 0, 1, "v2 requests=%ld errors=0 bytes=7\n", last + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result generated_field(struct test_ctx *ctx)
{
	return field_with(ctx, "struct_field", "v1/prog.c", "v2/prog.c");
}

static enum test_result tentative_generated(struct test_ctx *ctx)
{
	return field_with(ctx, "tentative", "v1/prog.c v1/stats.c", "v2/prog.c v2/stats.c");
}

UPDATE_TEST(config_table, config_table)
UPDATE_TEST(config_table_changed, config_table_changed)
UPDATE_TEST(gen_types, gen_types)
UPDATE_TEST(gen_narrowing, gen_narrowing)
UPDATE_TEST(gen_enum64, gen_enum64)
UPDATE_TEST(generated_field, generated_field)
UPDATE_TEST(tentative_generated, tentative_generated)

/*
 * update/unnamed_shift: version 2 adds lines above a struct with an
 * unnamed union member and a global of an unnamed struct type.  clang
 * spells those types by line ("union (unnamed at prog.c:17:2)"), which the
 * patch once took for a change of type (the struct moved, the union not
 * convertible: refused).  Unnamed types are now named by where they are
 * used ("union (unnamed union in struct item.data)").  Version 2 also
 * spells a field int32_t instead of int, which is no change either (an
 * address-taken local of the struct, which a change would roll back, is
 * kept).  The values carry over as they are.
 */
static enum test_result unnamed_shift(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long last;

	if (!upd_init(&u, ctx, "unnamed_shift", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 refs=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 refs=", 0, 10))
		goto out;
	upd_stop(&u);
	last = upd_last_value(&u, "v1 refs=");
	if (!upd_waitf(&u, 0, 1, "v2 refs=%ld cas=%ld y=%ld mine=%ld\n", last + 1, 2 * (last + 1),
		       last + 3, last + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPDATE_TEST(unnamed_shift, unnamed_shift)
