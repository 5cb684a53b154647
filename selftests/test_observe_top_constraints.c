// SPDX-License-Identifier: GPL-2.0
/*
 * observe/top_constraints: upstare-top -c FILE on the scenario program
 * shows, under each thread, the constraint of FILE it violates now: a
 * forbid for the holder asleep in nap(), a require the reader does not
 * meet, a conjunction across the locker and the holder.  Threads that
 * violate nothing show nothing.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "observe.h"

/* The line after thread TID's row and its reason line, or "". */
static void violation_of(const char *out, long tid, char *buf, size_t len)
{
	char key[32];
	const char *p, *nl;

	buf[0] = 0;
	snprintf(key, sizeof(key), "\n%7ld ", tid);
	p = strstr(out, key);
	for (int skip = 0; p && skip < 2; skip++)
		p = strchr(p + 1, '\n');	/* past the row, then the reason */
	if (!p)
		return;
	p++;
	nl = strchr(p, '\n');
	snprintf(buf, len, "%.*s", nl ? (int)(nl - p) : (int)strlen(p), p);
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct cmd_result cr = {};
	struct daemon d = {};
	struct target t = {};
	long pid = 0, locker = 0, reader = 0, holder = 0, spinner = 0;
	char bin[512], cons[512], v[512], *line;
	static const char rules[] =
		"forbid thread role holder in nap\n"
		"require thread role reader in main\n"
		"forbid { thread role locker in take_lock ; any in nap }\n";

	if (skip)
		return test_skip("%s", skip);
	snprintf(cons, sizeof(cons), "%s/c.cons", ctx->tmpdir);
	if (!build_scenario(ctx, bin, sizeof(bin)) ||
	    !ASSERT_OK(write_file(cons, rules, sizeof(rules) - 1), "write c.cons"))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start(&t, bin), "start scenario"))
		goto cleanup;
	while ((!pid || !locker || !reader || !holder || !spinner) &&
	       (line = target_expect(&t, "", 10))) {
		sscanf(line, "ready %ld", &pid);
		sscanf(line, "tid locker %ld", &locker);
		sscanf(line, "tid reader %ld", &reader);
		sscanf(line, "tid holder %ld", &holder);
		sscanf(line, "tid spinner %ld", &spinner);
	}
	if (!ASSERT_TRUE(pid && locker && reader && holder && spinner, "scenario ready"))
		goto cleanup;
	/* the locker settles last, waiting for the holder's mutex */
	for (int i = 0; i < 50; i++) {
		cmd_result_free(&cr);
		run_cmd(&cr, 30, "UPSTARE_SOCKET=%s %s/bin/upstare-top -b -n 1 -p %ld -c %s",
			d.sock, upstare_build_dir(), pid, cons);
		violation_of(cr.out, locker, v, sizeof(v));
		if (strstr(v, "violates"))
			break;
		usleep(200000);
	}
	test_log("upstare-top -c:\n%s%s", cr.out, cr.err);
	if (!ASSERT_EQ(cr.status, 0, "exit status"))
		goto cleanup;
	violation_of(cr.out, holder, v, sizeof(v));
	if (!ASSERT_STRSTR(v, "violates ", "holder") ||
	    !ASSERT_STRSTR(v, "c.cons:1:1: forbid thread role holder in nap", "holder"))
		goto cleanup;
	violation_of(cr.out, reader, v, sizeof(v));
	if (!ASSERT_STRSTR(v, "violates ", "reader") ||
	    !ASSERT_STRSTR(v, "c.cons:2:1: require thread role reader in main", "reader"))
		goto cleanup;
	violation_of(cr.out, locker, v, sizeof(v));
	if (!ASSERT_STRSTR(v, "c.cons:3:1: forbid { thread role locker in take_lock ; any in "
			   "nap }", "locker"))
		goto cleanup;
	violation_of(cr.out, spinner, v, sizeof(v));
	if (!ASSERT_TRUE(!strstr(v, "violates"), "the spinner violates nothing"))
		goto cleanup;
	cmd_result_free(&cr);
	/* an invalid file: its errors, and nothing shown */
	if (!ASSERT_OK(write_file(cons, "forbid any\n", 11), "write bad c.cons"))
		goto cleanup;
	run_cmd(&cr, 30, "UPSTARE_SOCKET=%s %s/bin/upstare-top -b -n 1 -c %s", d.sock,
		upstare_build_dir(), cons);
	if (!ASSERT_EQ(cr.status, 2, "invalid file: exit status") ||
	    !ASSERT_STRSTR(cr.err, "c.cons:1:11: expected 'in' after the thread, found end of "
			   "line", "invalid file"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	cmd_result_free(&cr);
	target_stop(&t);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(top_constraints, run)
