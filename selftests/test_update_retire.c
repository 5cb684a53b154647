// SPDX-License-Identifier: GPL-2.0
/*
 * update/retire: twelve updates back and forth (v1 -> v2 -> v1 ...), each
 * patch built on the one before.  A patch superseded before the previous
 * version is unmapped once nothing refers to it, so at the end only the
 * last two are mapped, and the three v2 patches that left something behind
 * (a signal handler the kernel holds, an atexit() handler glibc keeps
 * mangled, a pointer to a string literal in the heap: the second, third
 * and fourth v2) stay mapped, and each of those still works: the handler
 * answers SIGUSR1, the string prints, the atexit handler runs at exit.
 * The first v2 left nothing: it is unmapped too.  hits carries over all
 * twelve moves.  The runtime looks at every update here
 * (UPSTARE_RETIRE_EVERY=1).
 *
 * update/retire_every: the same with the default policy, a look every
 * fourth update with a candidate (the first candidate comes at the third
 * update): looked at the 6th and 10th, so the patches superseded since
 * (p09, p10) are still mapped after the 12th, the others as above.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "updlib.h"

#define NPATCH 12

static enum test_result run(struct test_ctx *ctx, const char *every)
{
	enum test_result res = TEST_FAIL;
	char base[16] = "v1", out[16], want[64], path[512];
	struct upd u;
	size_t from;
	long hits;
	int status;
	bool ok;

	if (!upd_init(&u, ctx, "retire", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c -pthread"))
		goto out;
	for (int k = 1; k <= NPATCH; k++) {
		snprintf(out, sizeof(out), "p%02d.so", k);
		if (!upd_patch(&u, base, out, k % 2 ? "v2/prog.c" : "v1/prog.c"))
			goto out;
		snprintf(base, sizeof(base), "%s", out);
	}
	if (every)
		setenv("UPSTARE_RETIRE_EVERY", every, 1);
	ok = upd_run(&u, "v1 n=20 ");
	unsetenv("UPSTARE_RETIRE_EVERY");
	if (!ok)
		goto out;
	for (int k = 1; k <= NPATCH; k++) {
		const char *tag = k % 2 ? "v2" : "v1";

		snprintf(out, sizeof(out), "p%02d.so", k);
		hits = upd_last_value(&u, "hits=");
		if (!upd_expect(&u, out, 5000, "applied", out))
			goto out;
		snprintf(want, sizeof(want), "%s n=", tag);
		if (!upd_wait_new(&u, want, 10))
			goto out;
		if (!ASSERT_TRUE(upd_last_value(&u, "hits=") > hits, "hits carried over"))
			goto out;
	}
	/* p03: signal handler, p05: atexit, p07: the heap; p11, p12: the last two */
	for (int k = 1; k <= NPATCH; k++) {
		bool want_mapped = k == 3 || k == 5 || k == 7 || k >= NPATCH - 1 ||
				   (!every && k >= NPATCH - 3);

		snprintf(want, sizeof(want), "p%02d.so %s", k, want_mapped ? "mapped" :
			 "unmapped");
		snprintf(path, sizeof(path), "%s/p%02d.so", ctx->tmpdir, k);
		if (!ASSERT_EQ(maps_have(u.pid, path), want_mapped, want))
			goto out;
	}
	/* what it prints from before each signal on: the answer may come at once */
	free(upd_output(&u, &from));
	if (!upd_wait(&u, "kept=kept by the fourth v2", from, 10) ||
	    !ASSERT_OK(kill(u.pid, SIGUSR1), "SIGUSR1") ||
	    !upd_wait(&u, "usr1 handled by the second v2", from, 10))
		goto out;
	free(upd_output(&u, &from));
	if (!ASSERT_OK(kill(u.pid, SIGUSR2), "SIGUSR2") ||
	    !upd_wait(&u, "bye from the third v2", from, 10))
		goto out;
	if (!ASSERT_EQ(waitpid(u.pid, &status, 0), u.pid, "exited") ||
	    !ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0, "exit status 0"))
		goto out;
	u.pid = 0;
	res = TEST_PASS;
out:
	if (res != TEST_PASS) {
		char *o = upd_output(&u, NULL);

		test_log("%.3000s", o);
		free(o);
	}
	upd_stop(&u);
	return res;
}

static enum test_result retire(struct test_ctx *ctx)
{
	return run(ctx, "1");
}

static enum test_result retire_every(struct test_ctx *ctx)
{
	return run(ctx, NULL);
}

UPDATE_TEST(retire, retire)
UPDATE_TEST(retire_every, retire_every)
