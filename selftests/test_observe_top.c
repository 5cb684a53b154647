// SPDX-License-Identifier: GPL-2.0
/*
 * observe/top: upstare-top driven in tmux at 80x24 (send-keys and
 * capture-pane) on the scenario program: the screen shows its threads with
 * the right states, the pid filter shows one process, a resize is
 * redrawn at the new width, and 'q' quits.  Batch mode prints -n N tables.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "observe.h"

#define TMUX "tmux -L upstare-selftest-%d"
/* Where upstare-top's BLOCK column starts in a thread row. */
#define BLOCK_COL 63

/* The screen line of thread tid, or NULL. */
static char *screen_row(char *screen, long tid, char *buf, size_t len)
{
	char key[32], *p, *nl;

	snprintf(key, sizeof(key), "%7ld ", tid);
	p = strstr(screen, key);
	if (!p || (p != screen && p[-1] != '\n'))
		return NULL;
	nl = strchr(p, '\n');
	snprintf(buf, len, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
	return buf;
}

static bool capture(struct cmd_result *cr, const char *want, int tries)
{
	for (int i = 0; i < tries; i++) {
		cmd_result_free(cr);
		run_cmd(cr, 10, TMUX " capture-pane -p -t top", getpid());
		if (cr->status == 0 && strstr(cr->out, want))
			return true;
		usleep(200000);
	}
	return false;
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct cmd_result cr = {};
	struct daemon d = {};
	struct target t = {};
	long pid = 0, child = 0, locker = 0, reader = 0, holder = 0;
	char bin[512], row[256], want[64], *line;
	double blocked;

	if (skip)
		return test_skip("%s", skip);
	if (system("tmux -V >/dev/null 2>&1"))
		return test_skip("tmux is not installed");
	if (!build_scenario(ctx, bin, sizeof(bin)))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start(&t, bin), "start scenario"))
		goto cleanup;
	while ((!pid || !locker || !reader || !holder || !child) &&
	       (line = target_expect(&t, "", 10))) {
		sscanf(line, "ready %ld", &pid);
		sscanf(line, "child %ld", &child);
		sscanf(line, "tid locker %ld", &locker);
		sscanf(line, "tid reader %ld", &reader);
		sscanf(line, "tid holder %ld", &holder);
	}
	if (!ASSERT_TRUE(pid && locker && reader && holder && child, "scenario ready"))
		goto cleanup;
	/*
	 * Every .upstare program that starts on the machine is registered, so
	 * other processes may fill the screen: start filtered on the child,
	 * then switch the filter to the scenario's main process.
	 */
	if (!sh_ok(10, "start tmux", TMUX " new-session -d -s top -x 80 -y 24 "
		   "'UPSTARE_SOCKET=%s %s/bin/upstare-top -d 0.3 -p %ld'", getpid(), d.sock,
		   upstare_build_dir(), child))
		goto cleanup;
	snprintf(want, sizeof(want), "%7ld ", child);
	if (!ASSERT_TRUE(capture(&cr, want, 50), "child on screen"))
		goto cleanup;
	if (!ASSERT_TRUE(!screen_row(cr.out, locker, row, sizeof(row)), "parent filtered out") ||
	    !sh_ok(10, "filter", TMUX " send-keys -t top p '%ld' Enter", getpid(), pid))
		goto cleanup;
	/* The lock waiter settles last: wait for it, then read the rows. */
	snprintf(want, sizeof(want), "lock-wait             yes futex       %5ld", holder);
	if (!capture(&cr, want, 50)) {
		test_log("screen:\n%s", cr.out);
		ASSERT_TRUE(false, "locker shown in lock-wait on the holder");
		goto cleanup;
	}
	if (!ASSERT_TRUE(screen_row(cr.out, locker, row, sizeof(row)), "locker row") ||
	    !ASSERT_STRSTR(row, "lock-wait", "locker state") ||
	    !ASSERT_TRUE(screen_row(cr.out, reader, row, sizeof(row)), "reader row") ||
	    !ASSERT_STRSTR(row, "blocked-interruptible yes read", "reader state") ||
	    !ASSERT_TRUE(screen_row(cr.out, holder, row, sizeof(row)), "holder row") ||
	    !ASSERT_STRSTR(row, "clock_nanos", "holder state"))
		goto cleanup;
	for (char *p = cr.out; *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : p + strlen(p)) {
		char *nl = strchr(p, '\n');
		int w = nl ? nl - p : (int)strlen(p);

		if (!ASSERT_TRUE(w <= 80, "no line wider than the terminal"))
			goto cleanup;
	}

	snprintf(want, sizeof(want), "PID %ld ", child);
	if (!ASSERT_TRUE(!strstr(cr.out, want), "child filtered out") ||
	    !ASSERT_STRSTR(cr.out, "1 processes", "one process shown"))
		goto cleanup;

	/* Resize: redrawn at the new size. */
	if (!sh_ok(10, "resize", TMUX " resize-window -t top -x 120 -y 40", getpid()))
		goto cleanup;
	if (!ASSERT_TRUE(capture(&cr, " read#1", 50), "wide screen shows the full frame"))
		goto cleanup;
	sh_ok(10, "quit", TMUX " send-keys -t top q", getpid());
	for (int i = 0; i < 25; i++) {
		cmd_result_free(&cr);
		run_cmd(&cr, 10, TMUX " has-session -t top", getpid());
		if (cr.status)
			break;
		usleep(200000);
	}
	if (!ASSERT_NEQ(cr.status, 0, "q quits"))
		goto cleanup;
	cmd_result_free(&cr);

	run_cmd(&cr, 30, "UPSTARE_SOCKET=%s %s/bin/upstare-top -b -n 2 -d 0.2 -p %ld", d.sock,
		upstare_build_dir(), pid);
	if (!ASSERT_EQ(cr.status, 0, "batch mode") ||
	    !ASSERT_STRSTR(cr.out, "lock-wait", "batch shows the lock waiter") ||
	    !ASSERT_STRSTR(cr.out, "0 updates applied", "update state from the control block"))
		goto cleanup;
	line = strstr(cr.out, "upstare-top:");
	if (!ASSERT_TRUE(line && strstr(line + 1, "upstare-top:") &&
			 !strstr(strstr(line + 1, "upstare-top:") + 1, "upstare-top:"),
			 "-n 2 prints two tables"))
		goto cleanup;
	/* The reader has slept in read() since the start: a time under BLOCK. */
	if (!ASSERT_STRSTR(cr.out, " BLOCK ", "time blocked column") ||
	    !ASSERT_TRUE(screen_row(cr.out, reader, row, sizeof(row)), "reader row in batch") ||
	    !ASSERT_TRUE(strlen(row) > BLOCK_COL && sscanf(row + BLOCK_COL, "%lf", &blocked) == 1 &&
			 blocked >= 0, "reader's time blocked is shown"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	cmd_result_free(&cr);
	run_cmd(&cr, 10, TMUX " kill-server", getpid());
	cmd_result_free(&cr);
	target_stop(&t);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(top, run)
