// SPDX-License-Identifier: GPL-2.0
/*
 * update/frame_pointer: a callee keeps pointers to its caller's
 * address-taken parameter and to main's address-taken local.  The
 * parameter lives in the native frame, which is rebuilt at a new address:
 * the callee's pointer must be relocated to follow it.  The local lives on
 * the side stack and must keep its address.  Either way, what version 2's
 * callee adds is what its callers see when it returns.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "updlib.h"

/* marker (" at=") in the last line starting with prefix */
static const char *strrstr_at(const char *s, const char *prefix, const char *marker)
{
	const char *last = NULL;

	while ((s = strstr(s, prefix)))
		last = s++;
	return last ? strstr(last, marker) : NULL;
}

/* marker in the first line starting with prefix */
static const char *strstr_at(const char *s, const char *prefix, const char *marker)
{
	s = strstr(s, prefix);
	return s ? strstr(s, marker) : NULL;
}

static bool same_line_rest(const char *a, const char *b)
{
	size_t n = strcspn(a, "\n");

	return n == strcspn(b, "\n") && !strncmp(a, b, n);
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	char *out = NULL;
	const char *at1, *at2, *kat1, *kat2;
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
	if (!ASSERT_EQ(first2, last1 + 10, "the callee's pointer reaches the rebuilt parameter") ||
	    !ASSERT_EQ(upd_last_value(&u, "v2 main total="), last2, "run() sees the callee's sum"))
		goto out;
	last1 = upd_last_value(&u, "v1 kept=");
	first2 = upd_first_value(&u, "v2 kept=");
	last2 = upd_last_value(&u, "v2 kept=");
	if (!ASSERT_EQ(first2, last1 + 10, "the callee's pointer reaches main's local") ||
	    !ASSERT_EQ(upd_last_value(&u, "v2 main kept="), last2, "main sees the callee's sum"))
		goto out;
	/* the relocation is tested only if the parameter moved */
	out = upd_output(&u, NULL);
	at1 = strrstr_at(out, "v1 total=", " at=");
	at2 = strstr_at(out, "v2 total=", " at=");
	if (!ASSERT_TRUE(at1 && at2 && !same_line_rest(at1, at2),
			 "the rebuilt parameter lives at another address"))
		goto out;
	/* a pointer to an address-taken local stays valid anywhere: it never moves */
	kat1 = strrstr_at(out, "v1 kept=", " kat=");
	kat2 = strstr_at(out, "v2 kept=", " kat=");
	if (!ASSERT_TRUE(kat1 && kat2 && same_line_rest(kat1, kat2),
			 "the side-stack local keeps its address"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(out);
	return res;
}

UPDATE_TEST(frame_pointer, run)
