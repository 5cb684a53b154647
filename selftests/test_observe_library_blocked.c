// SPDX-License-Identifier: GPL-2.0
/*
 * observe/library_blocked: a thread of an instrumented program runs the
 * event loop of a shared library built as distributions build them (-O2,
 * no frame pointers: progs/waitloop.c) and blocks in epoll_wait() there.
 * Its library frame is on the stack only, not on the frame-pointer chain:
 * upstarectl threads shows it, and the readiness reason names the library
 * and the function the thread is in, and says what to do (build the
 * library with upstare-cc), instead of blaming its instrumented caller.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "observe.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	const struct json *th;
	struct daemon d = {};
	struct target t = {};
	struct json *r = NULL;
	const char *skip = observe_skip_reason(), *reason;
	char bin[512], *line;
	long tid;

	if (skip)
		return test_skip("%s", skip);
	if (!sh_ok(120, "build the library and the program",
		   "cd %1$s && %2$s -O2 -g -shared -fPIC -fomit-frame-pointer -o libwaitloop.so "
		   "%3$s/selftests/progs/waitloop.c && %4$s -O2 -g -pthread -o libblock "
		   "%3$s/selftests/progs/libblock.c -L. -lwaitloop -Wl,-rpath,%1$s",
		   ctx->tmpdir, plain_cc(), upstare_src_dir(), upstare_cc()))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	snprintf(bin, sizeof(bin), "%s/libblock", ctx->tmpdir);
	if (!ASSERT_OK(target_start(&t, bin), "start libblock") ||
	    !ASSERT_TRUE(line = target_expect(&t, "tid waiter ", 10), "the waiter's tid"))
		goto cleanup;
	tid = atol(line + 11);
	for (int try = 0; try < 50; try++) {
		json_free(r);
		usleep(20000);
		r = daemon_req(&d, "{\"cmd\":\"threads\",\"pid\":%ld}", (long)t.pid);
		th = r ? thread_by_tid(json_get(r, "threads"), tid) : NULL;
		if (th && !strcmp(json_str(th, "state") ?: "", "blocked-unwrapped"))
			break;
	}
	th = r ? thread_by_tid(json_get(r, "threads"), tid) : NULL;
	reason = th ? json_str(th, "reason") : NULL;
	if (!ASSERT_TRUE(th, "the waiter in the snapshot") ||
	    !ASSERT_STREQ(json_str(th, "state"), "blocked-unwrapped", "its state") ||
	    !ASSERT_TRUE(stack_has(th, "waitloop_run"), "the library's frame on its stack") ||
	    !ASSERT_STRSTR(reason, "blocked in epoll_wait() inside libwaitloop.so (waitloop_run), "
			   "called from waiter", "the reason names the library frame") ||
	    !ASSERT_STRSTR(reason, "build that library from its sources with upstare-cc",
			   "and what to do"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	json_free(r);
	target_stop(&t);
	return daemon_finish(&d, res);
}

OBSERVE_TEST(library_blocked, run)
