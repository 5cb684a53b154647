// SPDX-License-Identifier: GPL-2.0
/*
 * observe/blocked: the time a thread has been blocked, as upstarectl
 * threads reports it (blocked_ns, read by the snapshot iterator from the
 * scheduler), against the test's own clock.  A thread that has slept in
 * read() for about two seconds must report at least 1.5 s and no more than
 * the time since it announced the read plus a second; a thread that spins
 * reports null; after the reader is woken and goes back to read(), its
 * time restarts from that new sleep.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct json *threads_of(struct daemon *d, long pid)
{
	struct json *r = daemon_req(d, "{\"cmd\":\"threads\",\"pid\":%ld}", pid);

	if (r && !json_bool(r, "ok", false)) {
		test_log("threads %ld: %s", pid, json_str(r, "error"));
		json_free(r);
		return NULL;
	}
	return r;
}

/* blocked_ns of tid in seconds; -1 when null, -2 when missing. */
static double blocked_s(const struct json *r, long tid)
{
	const struct json *t = thread_by_tid(json_get(r, "threads"), tid), *b;

	if (!t || !(b = json_get(t, "blocked_ns")))
		return -2;
	if (b->type != JSON_NUM)
		return -1;
	return b->num / 1e9;
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct target t = {};
	struct json *r = NULL;
	double t0, t1, b, running;
	long reader = 0, spinner = 0;
	const char *skip = observe_skip_reason();
	char bin[512], *line;
	int try;

	if (skip)
		return test_skip("%s", skip);
	snprintf(bin, sizeof(bin), "%s/blocktime", ctx->tmpdir);
	if (!sh_ok(120, "build blocktime", "%s -O2 -g -pthread -o %s %s/selftests/progs/blocktime.c",
		   upstare_cc(), bin, upstare_src_dir()))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start(&t, bin), "start blocktime"))
		goto cleanup;
	while (!reader || !spinner) {
		line = target_expect(&t, "", 10);
		if (!ASSERT_TRUE(line, "blocktime announces its threads"))
			goto cleanup;
		if (!strncmp(line, "tid spinner ", 12))
			spinner = atol(line + 12);
		if (!strncmp(line, "reading ", 8))
			reader = atol(line + 8);
	}
	t0 = now_s();

	sleep(2);
	r = threads_of(&d, t.pid);
	t1 = now_s();
	if (!ASSERT_TRUE(r, "snapshot after 2 s"))
		goto cleanup;
	b = blocked_s(r, reader);
	test_log("reader: blocked_ns %.3f s, %.3f s since it announced read()", b, t1 - t0);
	if (!ASSERT_TRUE(b >= 1.5, "reader blocked for at least 1.5 s") ||
	    !ASSERT_TRUE(b <= t1 - t0 + 1.0, "reader blocked no longer than it slept + 1 s"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/* The spinner is running (on a CPU or waiting for one): null.  It
	 * may be caught on its way through a page fault or preemption point,
	 * so it gets a few tries, but never a non-null time blocked. */
	running = -2;
	for (try = 0; try < 5 && running != -1; try++) {
		r = threads_of(&d, t.pid);
		running = r ? blocked_s(r, spinner) : -2;
		json_free(r);
		r = NULL;
	}
	if (!ASSERT_TRUE(running == -1, "spinner's blocked_ns is null"))
		goto cleanup;

	/* Wake the reader: its next sleep starts from zero. */
	if (!ASSERT_EQ(write(t.in, "a\n", 2), 2, "wake reader"))
		goto cleanup;
	t0 = now_s();
	if (!ASSERT_TRUE(target_expect(&t, "reading ", 10), "reader reads again"))
		goto cleanup;
	/* It prints before it calls read(): it may not be asleep yet. */
	for (try = 0, b = -1; try < 50 && b == -1; try++) {
		json_free(r);
		usleep(20000);
		r = threads_of(&d, t.pid);
		t1 = now_s();
		if (!ASSERT_TRUE(r, "snapshot after the wake-up"))
			goto cleanup;
		b = blocked_s(r, reader);
	}
	test_log("reader after wake-up: blocked_ns %.3f s, %.3f s since the write", b, t1 - t0);
	if (!ASSERT_TRUE(b >= 0, "reader blocked again") ||
	    !ASSERT_TRUE(b <= t1 - t0 + 0.5, "time blocked restarted with the new read()"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	json_free(r);
	target_stop(&t);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(blocked, run)
