// SPDX-License-Identifier: GPL-2.0
/*
 * update/frame_pointer: a callee keeps a pointer to a local of its caller.
 * Both frames are rebuilt at new addresses; the pointer must follow, so
 * what version 2's callee adds is what main sees when it returns.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "updlib.h"

/* " at=..." of the last line starting with prefix */
static const char *strrstr_at(const char *s, const char *prefix)
{
	const char *last = NULL;

	while ((s = strstr(s, prefix)))
		last = s++;
	return last ? strstr(last, " at=") : NULL;
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;
	const char *at1, *at2;
	long last1, first2, last2;

	if (!upd_init(&u, ctx, "frame_pointer", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "v1 total=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, "v2 main total=", 0, 10))
		goto out;
	waitpid(u.pid, NULL, 0);
	u.pid = 0;
	last1 = upd_last_value(&u, "v1 total=");
	first2 = upd_first_value(&u, "v2 total=");
	last2 = upd_last_value(&u, "v2 total=");
	if (!ASSERT_EQ(first2, last1 + 10, "the callee's pointer reaches the rebuilt local") ||
	    !ASSERT_EQ(upd_last_value(&u, "v2 main total="), last2, "main sees the callee's sum"))
		goto out;
	/* the test means something only if the local moved */
	out = upd_output(&u, NULL);
	at1 = strrstr_at(out, "v1 total=");
	at2 = strstr(strstr(out, "v2 total="), " at=");
	if (!ASSERT_TRUE(at1 && at2 && strncmp(at1, at2, strcspn(at1, "\n")),
			 "the rebuilt local lives at another address"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(frame_pointer, run)
