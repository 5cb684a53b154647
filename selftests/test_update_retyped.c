// SPDX-License-Identifier: GPL-2.0
/*
 * A pointer whose target type becomes another (memcached's crawler: a
 * client's bipbuf_t * output buffer became a char * and two lengths):
 * only NULL has a value in both versions, so the generated conversion
 * carries it when it is NULL and refuses it when not (it once refused the
 * whole record: "a value of shape p<bipbuf_t> became p").
 *
 * update/retyped_pointer: the buffer is NULL (no client served): applied;
 * the client's other fields carried, and the buffer NULL in version 2 too
 * although version 2 initializes it to a default buffer (the step writes
 * the NULL, it does not leave the new initial value).
 *
 * update/retyped_pointer_busy: a client is served (the buffer set):
 * refused at prepare, nothing parked, the pointer named; version 1 goes on.
 */
#include "updlib.h"

static enum test_result retyped_pointer(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "retyped_pointer", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c") && upd_run(&u, "v1 n=20 sfd=7 c=1 buf=0 runs=20\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 n=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 n=%1$ld sfd=7 c=1 buf=0 runs=%1$ld\n",
		      upd_last_value(&u, "v1 n=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result retyped_pointer_busy(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "retyped_pointer", &res))
		return res;
	if (upd_build(&u, "v1", "-DBUSY v1/prog.c") && upd_patch(&u, "v1", "v2.so", "v2/prog.c") &&
	    upd_run(&u, "v1 n=20 sfd=7 c=1 buf=1 runs=20\n") &&
	    upd_expect(&u, "v2.so", 5000, "refused", "result") &&
	    ASSERT_STRSTR(u.json, "\"parked\":0,", "nothing parked") &&
	    ASSERT_STRSTR(u.json, "global mod: mod.c.buf, a pointer whose target type changed "
			  "(p<struct bipbuf> to p), is not NULL, and what it points to cannot be "
			  "converted", "the pointer named") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(retyped_pointer, retyped_pointer)
UPDATE_TEST(retyped_pointer_busy, retyped_pointer_busy)
