// SPDX-License-Identifier: GPL-2.0
/*
 * observe/update_killed: upstared is killed (SIGKILL) in the middle of an
 * update it started.  The program (selftests/updates/sigignored) ignores
 * the update signal, so its waiter thread, blocked in a wrapped read(),
 * looks ready but never parks.  The daemon is killed while its update
 * waits for it.  The update runs in a worker process of the daemon, which
 * finishes it: upstarectl gets its answer (timeout, the waiter named), the
 * target goes on in version 1 (its park budget released the parked main
 * thread within 50 ms each time), and a direct update that follows is
 * not told that another one is in progress (the worker's lock went with
 * it): it makes its own attempts and times out on the waiter.
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

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	char *log = NULL, *out = NULL, *ctl = NULL;
	struct upd u;
	pid_t upd_pid = 0;
	int status = 0;

	if (!upd_init_daemon(&u, ctx, "sigignored", &d, &res))
		return res;
	if (!upd_run(&u, "waiter ready") ||
	    !upd_wait(&u, "v1 n=20\n", 0, 10))
		goto out;
	upd_pid = fork();
	if (upd_pid == 0) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "UPSTARE_SOCKET=%s %s/bin/upstarectl update --pid %d "
			 "--patch %s/v2.so --timeout 3000 --json >%s/update.json 2>%s/update.err",
			 d.sock, upstare_build_dir(), u.pid, ctx->tmpdir, ctx->tmpdir,
			 ctx->tmpdir);
		_exit(system(cmd) ? 1 : 0);
	}
	/* the daemon found every thread ready and started the protocol */
	for (int i = 0; i < 100; i++) {
		free(log);
		log = read_file(d.log, NULL);
		if (log && strstr(log, "every thread ready"))
			break;
		usleep(100000);
	}
	if (!ASSERT_STRSTR(log, "every thread ready", "the daemon started the update"))
		goto out;
	usleep(300000);
	kill(d.pid, SIGKILL);
	waitpid(d.pid, NULL, 0);
	d.pid = 0;
	waitpid(upd_pid, &status, 0);
	upd_pid = 0;
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/update.json", ctx->tmpdir);
		ctl = read_file(path, NULL);
	}
	if (!ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1, "upstarectl: no update") ||
	    !ASSERT_STRSTR(ctl, "\"result\":\"timeout\"", "answered by the worker") ||
	    !ASSERT_STRSTR(ctl, "(waiter)", "the waiter named"))
		goto out;
	/* not held for the dead daemon: version 1 goes on */
	if (!upd_wait_new(&u, "v1 n=", 2) || !ASSERT_TRUE(upd_alive(&u), "target alive"))
		goto out;
	u.sock = NULL;
	if (!upd_update(&u, "v2.so", 300) ||
	    !ASSERT_STRSTR(u.json, "\"result\":\"timeout\"", "a direct update's own result") ||
	    !ASSERT_TRUE(!strstr(u.json, "another update is in progress"), "not blocked") ||
	    !ASSERT_STRSTR(u.json, "(waiter)", "the waiter named") ||
	    !upd_wait_new(&u, "v1 n=", 10))
		goto out;
	out = upd_output(&u, NULL);
	if (!ASSERT_TRUE(!strstr(out, "v2 "), "no v2 output"))
		goto out;
	res = TEST_PASS;
out:
	if (upd_pid > 0)
		waitpid(upd_pid, NULL, 0);
	upd_stop(&u);
	if (d.pid)
		daemon_stop(&d);
	free(log);
	free(out);
	free(ctl);
	return res;
}

OBSERVE_TEST(update_killed, run)
