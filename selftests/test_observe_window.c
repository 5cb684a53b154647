// SPDX-License-Identifier: GPL-2.0
/*
 * observe/window: the update window's kicks (bpf/window.bpf.c) on a
 * target that counts the signals each thread receives
 * (selftests/progs/kick.c), built without upstare-cc (attached by hand, its
 * threads are foreign).  No signal before the window; opening it kicks
 * the blocked reader exactly once (its read() is interrupted, and entering
 * read() again does not signal it twice); a thread that was running during
 * the kick round is signalled once when it makes system calls; a new
 * window kicks again; closing the last window detaches the programs; and
 * killing upstared with a window open leaves the target running, with its
 * BPF programs gone.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"

static bool expect_line(struct target *t, const char *prefix, const char *want)
{
	char *line = target_expect(t, prefix, 10);

	if (!line)
		return test_fail_at(__FILE__, __LINE__, "no line \"%s...\" from the target", prefix);
	return ASSERT_STREQ(line, want, prefix);
}

static bool reader_blocked(struct daemon *d, long pid, long tid)
{
	for (int i = 0; i < 50; i++) {
		struct json *r = daemon_req(d, "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
		const struct json *t = r ? thread_by_tid(json_get(r, "threads"), tid) : NULL;
		bool ok = t && json_str(t, "syscall") && !strcmp(json_str(t, "syscall"), "read") &&
			  !strcmp(json_str(t, "sched"), "S");

		json_free(r);
		if (ok)
			return true;
		usleep(100000);
	}
	return test_fail_at(__FILE__, __LINE__, "reader %ld never blocked in read", tid);
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct cmd_result cr = {};
	struct daemon d = {};
	struct target t = {}, t2 = {};
	bool gone = false;
	long pid2;
	struct json *r = NULL;
	long pid = 0, reader = 0;
	int progs_before;
	char bin[512], *line;

	if (skip)
		return test_skip("%s", skip);
	snprintf(bin, sizeof(bin), "%s/kick", ctx->tmpdir);
	if (!sh_ok(60, "build kick", "%s -O2 -g -pthread -o %s %s/selftests/progs/kick.c",
		   plain_cc(), bin, upstare_src_dir()))
		return TEST_FAIL;
	run_cmd(&cr, 20, "bpftool prog show | grep -c ' name us_' || true");
	progs_before = atoi(cr.out);
	cmd_result_free(&cr);
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start(&t, bin), "start kick"))
		goto cleanup;
	while (!pid && (line = target_expect(&t, "", 10))) {
		if (!strncmp(line, "tid reader ", 11))
			reader = atol(line + 11);
		if (!strncmp(line, "ready ", 6))
			pid = atol(line + 6);
	}
	if (!ASSERT_TRUE(pid > 0, "target ready"))
		goto cleanup;
	/* A plain binary: not registered on exec, attached by hand. */
	r = daemon_req(&d, "{\"cmd\":\"attach\",\"pid\":%ld}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "attach") ||
	    !ASSERT_TRUE(!json_bool(r, "instrumented", true), "plain binary is not instrumented"))
		goto cleanup;
	json_free(r);
	r = NULL;
	while (!reader && (line = target_expect(&t, "tid reader ", 10)))
		reader = atol(line + 11);
	if (!reader_blocked(&d, pid, reader))
		goto cleanup;
	/* Built without upstare-cc: no instrumented frame, so foreign. */
	r = daemon_req(&d, "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
	if (!ASSERT_TRUE(r, "threads") ||
	    !ASSERT_STREQ(json_str(thread_by_tid(json_get(r, "threads"), reader), "state"),
			  "foreign", "plain reader's class"))
		goto cleanup;
	json_free(r);
	r = NULL;
	if (!ASSERT_EQ(write(t.in, "r", 1), 1, "ask") ||
	    !expect_line(&t, "reader signals", "reader signals 0"))
		goto cleanup;

	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "open window") ||
	    !ASSERT_TRUE(json_bool(r, "window_attached", false), "window programs attached"))
		goto cleanup;
	json_free(r);
	r = NULL;
	if (!expect_line(&t, "reader eintr", "reader eintr 1"))
		goto cleanup;
	/* The spinner was running during the kick round: sys_enter catches it, once. */
	if (!ASSERT_EQ(write(t.in, "g", 1), 1, "go") ||
	    !expect_line(&t, "spinner signals", "spinner signals 1"))
		goto cleanup;
	if (!reader_blocked(&d, pid, reader) || !ASSERT_EQ(write(t.in, "r", 1), 1, "ask") ||
	    !expect_line(&t, "reader signals", "reader signals 1"))
		goto cleanup;
	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":false}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "close window") ||
	    !ASSERT_TRUE(!json_bool(r, "window_attached", true), "window programs detached"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/* A new window is a new generation: the reader is kicked again. */
	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "reopen window") ||
	    !expect_line(&t, "reader eintr", "reader eintr 2"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/*
	 * A second target with a window open dies: its window ends with it, so
	 * closing the first target's window detaches the programs.
	 */
	if (!ASSERT_OK(target_start(&t2, bin), "start second target"))
		goto cleanup;
	line = target_expect(&t2, "ready ", 10);
	if (!ASSERT_TRUE(line, "second target ready"))
		goto cleanup;
	pid2 = atol(line + 6);
	r = daemon_req(&d, "{\"cmd\":\"attach\",\"pid\":%ld}", pid2);
	json_free(r);
	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", pid2);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "window on the second target"))
		goto cleanup;
	json_free(r);
	r = NULL;
	target_stop(&t2);
	for (int i = 0; i < 50; i++) {
		r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":false}", pid2);
		gone = r && !json_bool(r, "ok", true) && strstr(json_str(r, "error"), "not registered");
		json_free(r);
		r = NULL;
		if (gone)
			break;
		usleep(100000);
	}
	if (!ASSERT_TRUE(gone, "second target unregistered at exit"))
		goto cleanup;
	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":false}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "close first window") ||
	    !ASSERT_TRUE(!json_bool(r, "window_attached", true),
			 "programs detached: the dead target's window ended"))
		goto cleanup;
	json_free(r);
	r = daemon_req(&d, "{\"cmd\":\"window\",\"pid\":%ld,\"open\":true}", pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "reopen window") ||
	    !expect_line(&t, "reader eintr", "reader eintr 3"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/* Killing the daemon mid-window detaches everything; the target goes on. */
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	d.pid = 0;
	if (!ASSERT_EQ(write(t.in, "r", 1), 1, "ask after daemon death") ||
	    !expect_line(&t, "reader signals", "reader signals 3") ||
	    !ASSERT_EQ(waitpid(t.pid, NULL, WNOHANG), 0, "target still running"))
		goto cleanup;
	/*
	 * The programs are freed once their last fd closes (after an RCU grace
	 * period): back to as many as other upstared instances had loaded.
	 */
	for (int i = 0; i < 50; i++) {
		cmd_result_free(&cr);
		run_cmd(&cr, 20, "bpftool prog show | grep -c ' name us_' || true");
		if (atoi(cr.out) == progs_before)
			break;
		usleep(100000);
	}
	if (!ASSERT_EQ(atoi(cr.out), progs_before, "upstared programs loaded after it died"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	cmd_result_free(&cr);
	json_free(r);
	target_stop(&t);
	target_stop(&t2);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(window, run)
