// SPDX-License-Identifier: GPL-2.0
/*
 * observe/parked: upstared's view of a live update that cannot complete.
 * The program of update/sigblocked (selftests/updates/sigblocked) has a
 * thread that blocks every signal and waits in read(); while
 * `upstarectl update` waits for it, upstarectl threads must show the main
 * thread parked (in libupstare's park, its stack already unwound) and the
 * blocker as signal-masked in read(), and the runtime's control block
 * says the update is in quiesce with one thread parked.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"
#include "updlib.h"

/* Does the answer's control block say quiesce with one thread parked? */
static bool parked_in_quiesce(const struct json *r)
{
	const struct json *up = r ? json_get(r, "update") : NULL;

	return up && up->type == JSON_OBJ && json_str(up, "phase") &&
	       !strcmp(json_str(up, "phase"), "quiesce") && json_int(up, "nparked", 0) == 1;
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	const struct json *t, *main_t = NULL, *blocker = NULL;
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct json *r = NULL;
	struct upd u;
	pid_t upd_pid = 0;
	int status;

	if (skip)
		return test_skip("%s", skip);
	if (!upd_init(&u, ctx, "sigblocked", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c") || !upd_patch(&u, "v1", "v2.so", "v2/prog.c"))
		return TEST_FAIL;
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	if (!upd_start(&u, "v1") || !upd_wait(&u, "blocker ready", 0, 10))
		goto cleanup;
	upd_pid = fork();
	if (upd_pid == 0) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "%s/bin/upstarectl update --pid %d --patch %s/v2.so "
			 "--timeout 4000 --json >%s/update.json 2>&1", upstare_build_dir(), u.pid,
			 ctx->tmpdir, ctx->tmpdir);
		_exit(system(cmd) ? 1 : 0);
	}
	/*
	 * The park budget releases the parked thread 50 ms after it parked and
	 * the update is asked again 50 ms later, so the snapshot of the
	 * threads and the read of the control block may fall on either side
	 * of a release: sample until one answer has both parked.
	 */
	for (int i = 0; i < 350 && !(main_t && blocker && parked_in_quiesce(r)); i++) {
		usleep(10000);
		json_free(r);
		r = daemon_req(&d, "{\"cmd\":\"threads\",\"pid\":%d}", u.pid);
		main_t = blocker = NULL;
		for (t = r ? json_get(r, "threads")->child : NULL; t; t = t->next) {
			if (json_int(t, "tid", 0) == u.pid && !strcmp(json_str(t, "state"), "parked"))
				main_t = t;
			if (!strcmp(json_str(t, "comm"), "blocker") &&
			    !strcmp(json_str(t, "state"), "signal-masked"))
				blocker = t;
		}
	}
	if (main_t && blocker && r) {
		const struct json *up = json_get(r, "update");

		if (!ASSERT_TRUE(up && up->type == JSON_OBJ, "update state read") ||
		    !ASSERT_STREQ(json_str(up, "phase"), "quiesce", "update phase") ||
		    !ASSERT_EQ(json_int(up, "nparked", 0), 1, "threads parked") ||
		    !ASSERT_EQ(json_int(up, "update_signal", 0), 36, "update signal"))
			goto cleanup;
	}
	if (!main_t || !blocker) {
		struct jbuf b = {};

		if (r)
			json_write(&b, json_get(r, "threads"));
		test_log("threads during the update: %s", b.s ?: "(none)");
		jb_free(&b);
		ASSERT_TRUE(main_t, "main thread parked");
		ASSERT_TRUE(blocker, "blocker signal-masked");
		goto cleanup;
	}
	/* The runtime unwinds a thread before it parks: its stack ends in the park. */
	if (!ASSERT_TRUE(stack_has(main_t, "upstare__park"), "main's stack is in the park") ||
	    !ASSERT_STRSTR(json_str(main_t, "reason"), "parked", "reason") ||
	    !ASSERT_STREQ(json_str(blocker, "syscall"), "read", "blocker's system call"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	json_free(r);
	if (upd_pid > 0)
		waitpid(upd_pid, &status, 0);
	upd_stop(&u);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(parked, run)
