// SPDX-License-Identifier: GPL-2.0
/*
 * observe/threads: upstared and `upstarectl threads` on the scenario
 * program (selftests/progs/scenario.c), built with upstare-cc (and one
 * function of it plain: progs/plainspin.c).  Each thread
 * must be classified as what it is doing, the mutex waiter must name the
 * holder, a thread with the kick signal masked and one inside a
 * non-reconstructible function must say so, every blocked thread's stack
 * must show the application function that made the blocking call, the
 * forked child must be registered, a thread started after attach must
 * appear and disappear when it exits, and no procs map entry may be left
 * for a process that exited.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"

struct role {
	const char *name;
	long tid;
	const char *state;
	const char *syscall;
	const char *frame;	/* application function that must be on the stack */
};

static struct json *threads_of(struct daemon *d, long pid)
{
	char buf[64];
	struct json *r;

	snprintf(buf, sizeof(buf), "%ld", pid);
	r = daemon_req(d, "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
	if (r && !json_bool(r, "ok", false)) {
		test_log("threads %s: %s", buf, json_str(r, "error"));
		json_free(r);
		return NULL;
	}
	return r;
}

static bool role_ok(const struct json *threads, const struct role *ro, long owner, bool log)
{
	const struct json *t = thread_by_tid(threads, ro->tid);
	const char *state = t ? json_str(t, "state") : NULL;
	const char *sc = t ? json_str(t, "syscall") : NULL;

	if (!t) {
		if (log)
			test_log("%s (tid %ld): not in the snapshot", ro->name, ro->tid);
		return false;
	}
	if (!state || strcmp(state, ro->state) || (ro->syscall && (!sc || strcmp(sc, ro->syscall))) ||
	    (ro->frame && !stack_has(t, ro->frame)) ||
	    (owner && json_int(t, "wchan_lock_owner", 0) != owner)) {
		if (log) {
			struct jbuf b = {};

			json_write(&b, t);
			test_log("%s (tid %ld): want %s in %s from %s%s, got %s", ro->name, ro->tid,
				 ro->state, ro->syscall ?: "-", ro->frame ?: "-",
				 owner ? " with the holder as owner" : "", b.s);
			jb_free(&b);
		}
		return false;
	}
	return true;
}

static long proc_registered(struct daemon *d, long pid, long *parent)
{
	struct json *r = daemon_req(d, "{\"cmd\":\"ps\"}"), *p;
	long found = 0;

	for (p = r ? json_get(r, "procs")->child : NULL; p; p = p->next) {
		if (json_int(p, "pid", 0) == pid) {
			found = 1;
			if (parent)
				*parent = json_int(p, "parent", 0);
		}
	}
	json_free(r);
	return found;
}

/*
 * Entries of the procs map whose process is gone: leaks.  (Other
 * instrumented programs on the machine may be registered meanwhile, since
 * registration on exec is machine-wide, so the total is not the measure.)
 */
static int stale_procs(struct daemon *d)
{
	struct json *r = daemon_req(d, "{\"cmd\":\"ps\"}"), *p;
	char path[64];
	int n = 0;

	for (p = r ? json_get(r, "procs")->child : NULL; p; p = p->next) {
		snprintf(path, sizeof(path), "/proc/%lld", json_int(p, "pid", 0));
		if (access(path, F_OK))
			n++;
	}
	json_free(r);
	return n;
}

static enum test_result run(struct test_ctx *ctx)
{
	struct role roles[] = {
		{ "spinner", 0, "running", NULL, "spinner" },
		{ "plainspin", 0, "running-uninstrumented", NULL, "plain_spinner" },
		{ "reader", 0, "blocked-interruptible", "read", "read_request" },
		{ "holder", 0, "blocked-interruptible", "clock_nanosleep", "holder" },
		{ "locker", 0, "lock-wait", "futex", "take_lock" },
		{ "condwait", 0, "blocked-interruptible", "futex", "wait_event" },
		{ "sleeper", 0, "blocked-interruptible", "clock_nanosleep", "sleeper" },
		{ "masked", 0, "signal-masked", "clock_nanosleep", "masked" },
		{ "unsafe", 0, "unsafe-frame", "clock_nanosleep", "scratch_wait" },
	};
	const int nroles = sizeof(roles) / sizeof(roles[0]);
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct target t = {};
	struct json *r = NULL;
	long pid, child, late, parent = 0, holder = 0;
	char bin[512], *line;
	const char *skip = observe_skip_reason();
	int i, try, ok;

	if (skip)
		return test_skip("%s", skip);
	if (!build_scenario(ctx, bin, sizeof(bin)))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start(&t, bin), "start scenario"))
		goto cleanup;
	/* "tid ROLE TID", "child PID" and "ready PID", in any order. */
	child = pid = 0;
	for (;;) {
		char role[32];
		long tid;

		for (i = 0; i < nroles && roles[i].tid; i++)
			;
		if (i == nroles && child && pid)
			break;
		line = target_expect(&t, "", 10);
		if (!ASSERT_TRUE(line, "scenario announces its threads"))
			goto cleanup;
		if (!strncmp(line, "child ", 6))
			child = atol(line + 6);
		if (!strncmp(line, "ready ", 6))
			pid = atol(line + 6);
		if (sscanf(line, "tid %31s %ld", role, &tid) != 2)
			continue;
		for (i = 0; i < nroles; i++)
			if (!strcmp(roles[i].name, role))
				roles[i].tid = tid;
		if (!strcmp(role, "holder"))
			holder = tid;
	}

	/* It exec'd a .upstare binary: registered without an attach; so is its child. */
	if (!ASSERT_TRUE(proc_registered(&d, pid, NULL), "registered on exec"))
		goto cleanup;
	if (!ASSERT_TRUE(proc_registered(&d, child, &parent), "child registered at fork") ||
	    !ASSERT_EQ(parent, pid, "child's parent"))
		goto cleanup;
	r = daemon_req(&d, "{\"cmd\":\"attach\",\"pid\":%ld}", pid);
	if (!ASSERT_TRUE(r && !json_bool(r, "ok", true), "attach twice is refused"))
		goto cleanup;
	json_free(r);
	/* A thread id is not a process: it would never leave the registry. */
	r = daemon_req(&d, "{\"cmd\":\"attach\",\"pid\":%ld}", roles[1].tid);
	if (!ASSERT_TRUE(r && !json_bool(r, "ok", true), "attach of a thread id is refused") ||
	    !ASSERT_STRSTR(json_str(r, "error"), "is a thread of process", "error names it"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/* Threads settle into their states soon after "ready": wait for that, boundedly. */
	for (try = 0; try < 50; try++) {
		r = threads_of(&d, pid);
		ok = r != NULL;
		for (i = 0; ok && i < nroles; i++)
			ok = role_ok(json_get(r, "threads"), &roles[i],
				     !strcmp(roles[i].name, "locker") ? holder : 0, false);
		if (ok)
			break;
		json_free(r);
		r = NULL;
		usleep(100000);
	}
	if (!ok) {
		r = threads_of(&d, pid);
		for (i = 0; r && i < nroles; i++)
			role_ok(json_get(r, "threads"), &roles[i],
				!strcmp(roles[i].name, "locker") ? holder : 0, true);
		goto cleanup;
	}
	if (!ASSERT_STREQ(json_str(json_get(r, "update"), "phase"), "idle", "no update pending"))
		goto cleanup;
	/* running, but in code with no update point: not ready (it was) */
	for (i = 0; i < nroles; i++)
		if (!strcmp(roles[i].name, "plainspin") &&
		    !ASSERT_TRUE(!json_bool(thread_by_tid(json_get(r, "threads"), roles[i].tid),
					    "ready", true), "plainspin is not ready"))
			goto cleanup;
	json_free(r);
	r = threads_of(&d, child);
	if (!ASSERT_TRUE(r, "child threads") ||
	    !ASSERT_TRUE(stack_has(json_get(r, "threads")->child, "child_main"), "child in child_main"))
		goto cleanup;
	json_free(r);

	/* A thread started after attach appears, and disappears when it exits. */
	if (!ASSERT_EQ(write(t.in, "l", 1), 1, "start late thread"))
		goto cleanup;
	line = target_expect(&t, "tid late ", 10);
	if (!ASSERT_TRUE(line, "late thread started"))
		goto cleanup;
	late = atol(line + 9);
	r = threads_of(&d, pid);
	if (!ASSERT_TRUE(r && thread_by_tid(json_get(r, "threads"), late), "late thread listed"))
		goto cleanup;
	json_free(r);
	if (!ASSERT_EQ(write(t.in, "q", 1), 1, "stop late thread") ||
	    !ASSERT_TRUE(target_expect(&t, "late joined", 10), "late thread joined"))
		goto cleanup;
	r = threads_of(&d, pid);
	if (!ASSERT_TRUE(r && !thread_by_tid(json_get(r, "threads"), late), "late thread gone"))
		goto cleanup;
	json_free(r);
	r = NULL;

	/* Exit: the process and its child leave the registry; nothing stays in the map. */
	if (!ASSERT_EQ(write(t.in, "x", 1), 1, "end scenario"))
		goto cleanup;
	waitpid(t.pid, NULL, 0);
	t.pid = 0;
	for (try = 0; try < 50 && (proc_registered(&d, pid, NULL) ||
				   proc_registered(&d, child, NULL)); try++)
		usleep(100000);
	if (!ASSERT_EQ(proc_registered(&d, pid, NULL), 0, "target unregistered at exit") ||
	    !ASSERT_EQ(proc_registered(&d, child, NULL), 0, "child unregistered at exit") ||
	    !ASSERT_EQ(stale_procs(&d), 0, "procs map entries of dead processes"))
		goto cleanup;
	r = daemon_req(&d, "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
	if (!ASSERT_TRUE(r && !json_bool(r, "ok", true), "threads of an exited process is an error"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	json_free(r);
	target_stop(&t);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(threads, run)
