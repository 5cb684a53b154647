// SPDX-License-Identifier: GPL-2.0
/*
 * update/threads: ten threads caught computing, blocked in read() on a
 * socket, holding a mutex, waiting for it, in pthread_cond_wait() and in
 * nanosleep() are all updated at once; version 2 then releases them and
 * every one of them reports from the new code.
 */
#include <stdlib.h>

#include "updlib.h"

static const char *const marks[] = {
	"v2 main kicked", "v2 compute", "v2 reader 0 got x", "v2 reader 1 got y",
	"v2 owner released", "v2 locker", "v2 waiter", "v2 sleeper 0", "v2 sleeper 1",
};

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *nt = NULL;

	if (!upd_init(&u, ctx, "threads", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 main ready") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	nt = upd_field(&u, "parked");
	if (!ASSERT_STREQ(nt, "10", "threads parked"))
		goto out;
	for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
		if (!upd_wait(&u, marks[i], 0, 10))
			goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(nt);
	return res;
}

UPDATE_TEST(threads, run)
