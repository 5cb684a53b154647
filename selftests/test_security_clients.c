// SPDX-License-Identifier: GPL-2.0
/*
 * upstared serves every client, whatever the others do.
 *
 * security/client_limit: a peer that is not root (nobody, upstared -g
 * nogroup) opens 16 connections and leaves them idle; its 17th is told
 * "too many clients" (once, 64 idle connections of anyone filled the
 * table and every later client, root's too, was dropped without a word),
 * and root still connects and is answered.
 *
 * security/slow_readers: 8 clients each send thousands of requests and
 * read none of the replies.  Another client is still answered within 2 s
 * (once, each writer that stopped reading held the daemon 2 s per reply in
 * a blocking send, one after the other), and 5 s later the daemon has
 * closed the clients that took none of their replies.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "observe.h"
#include "updlib.h"

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		close(fd);
		fd = -1;
	}
	return fd;
}

static enum test_result client_limit(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("nogroup");
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct json *j = NULL;
	char *raw = NULL;
	int pfd[2] = { -1, -1 };
	pid_t holder = -1;
	char c;

	if (skip || !pw || !gr)
		return test_skip("%s", skip ?: "no user nobody or no group nogroup");
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0711), "scratch directory searchable by nobody") ||
	    !ASSERT_OK(daemon_start(&d, ctx->tmpdir, "-g nogroup"), "start upstared -g nogroup") ||
	    !ASSERT_OK(pipe(pfd), "pipe"))
		goto out;
	/* nobody holds 16 idle connections */
	holder = fork();
	if (holder == 0) {
		close(pfd[0]);
		if (setgroups(0, NULL) || setgid(gr->gr_gid) || setuid(pw->pw_uid))
			_exit(126);
		/* each one answered once: the daemon has them all */
		for (int i = 0; i < 16; i++) {
			int fd = connect_to(d.sock);
			char buf[256];

			if (fd < 0 || write(fd, "{\"cmd\":\"ping\"}\n", 15) != 15 ||
			    read(fd, buf, sizeof(buf)) <= 0)
				_exit(1);
		}
		if (write(pfd[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	pfd[1] = -1;
	if (!ASSERT_EQ(read(pfd[0], &c, 1), 1, "nobody holds 16 connections"))
		goto out;
	j = daemon_req_as(&d, pw->pw_uid, gr->gr_gid, &raw, "{\"cmd\":\"ps\"}");
	if (!ASSERT_STRSTR(raw, "too many clients (16 connected, 16 of uid", "the 17th refused"))
		goto out;
	json_free(j);
	j = daemon_req(&d, "{\"cmd\":\"ps\"}");
	if (!ASSERT_TRUE(j && json_bool(j, "ok", false), "root still answered"))
		goto out;
	res = TEST_PASS;
out:
	if (holder > 0) {
		kill(holder, SIGKILL);
		waitpid(holder, NULL, 0);
	}
	if (pfd[0] >= 0)
		close(pfd[0]);
	if (pfd[1] >= 0)
		close(pfd[1]);
	json_free(j);
	free(raw);
	return daemon_finish(&d, res);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static enum test_result slow_readers(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	static char reqs[20000 * 13];
	struct daemon d = {};
	struct json *j = NULL;
	char *log = NULL;
	int fds[8];
	double t0, took;

	for (int i = 0; i < 8; i++)
		fds[i] = -1;
	if (skip)
		return test_skip("%s", skip);
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		goto out;
	for (size_t i = 0; i < sizeof(reqs); i += 13)
		memcpy(reqs + i, "{\"cmd\":\"ps\"}\n", 13);
	for (int i = 0; i < 8; i++) {
		size_t off = 0;

		fds[i] = connect_to(d.sock);
		if (!ASSERT_TRUE(fds[i] >= 0, "a writer connects"))
			goto out;
		fcntl(fds[i], F_SETFL, O_NONBLOCK);
		/* as much as the daemon takes; its replies are never read */
		for (int tries = 0; tries < 40 && off < sizeof(reqs); tries++) {
			ssize_t n = send(fds[i], reqs + off, sizeof(reqs) - off, MSG_NOSIGNAL);

			if (n > 0)
				off += n;
			else
				usleep(5000);
		}
		test_log("writer %d sent %zu bytes of requests", i, off);
	}
	t0 = now_s();
	j = daemon_req(&d, "{\"cmd\":\"ps\"}");
	took = now_s() - t0;
	test_log("another client answered in %.3f s", took);
	if (!ASSERT_TRUE(j && json_bool(j, "ok", false), "another client answered") ||
	    !ASSERT_TRUE(took < 2.0, "within 2 s"))
		goto out;
	sleep(6);
	log = read_file(d.log, NULL);
	if (!ASSERT_STRSTR(log, "it took none of its replies for 5 s", "the writers closed"))
		goto out;
	res = TEST_PASS;
out:
	for (int i = 0; i < 8; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	json_free(j);
	free(log);
	return daemon_finish(&d, res);
}

UPSTARE_GROUP_TEST("security", client_limit, client_limit)
UPSTARE_GROUP_TEST("security", slow_readers, slow_readers)

/*
 * security/daemon_busy: while an update waits for a thread that is never
 * ready (update/sigblocked's program, --timeout 3000), another client is
 * answered within 1 s and SIGTERM stops the daemon within 1 s: the update
 * runs in a worker process, which still answers its client ("timeout",
 * naming the thread) after the daemon is gone.  Before, the update held
 * the daemon's only thread for its 3 s, and SIGTERM with it.
 */
static enum test_result daemon_busy(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct daemon d = {};
	struct json *j = NULL;
	char *json = NULL, path[512];
	pid_t ctl = -1;
	int status = 0;
	double t0, ps_s, stop_s;
	struct upd u;

	if (!upd_init_daemon(&u, ctx, "sigblocked", &d, &res))
		return res;
	res = TEST_FAIL;
	if (!upd_run(&u, "blocker ready"))
		goto out;
	ctl = fork();
	if (ctl == 0) {
		char cmd[1024];

		snprintf(cmd, sizeof(cmd), "UPSTARE_SOCKET=%s %s/bin/upstarectl update --pid %d "
			 "--patch %s/v2.so --timeout 3000 --json >%s/update.json 2>&1", d.sock,
			 upstare_build_dir(), u.pid, ctx->tmpdir, ctx->tmpdir);
		_exit(system(cmd) ? 1 : 0);
	}
	usleep(500000);
	t0 = now_s();
	j = daemon_req(&d, "{\"cmd\":\"ps\"}");
	ps_s = now_s() - t0;
	test_log("ps answered in %.3f s during the update", ps_s);
	if (!ASSERT_TRUE(j && json_bool(j, "ok", false), "ps answered") ||
	    !ASSERT_TRUE(ps_s < 1.0, "within 1 s"))
		goto out;
	t0 = now_s();
	status = daemon_stop(&d);
	stop_s = now_s() - t0;
	d.pid = 0;
	test_log("SIGTERM: exited %d in %.3f s", status, stop_s);
	if (!ASSERT_EQ(status, 0, "the daemon exits 0") || !ASSERT_TRUE(stop_s < 1.0, "within 1 s"))
		goto out;
	waitpid(ctl, &status, 0);
	ctl = -1;
	snprintf(path, sizeof(path), "%s/update.json", ctx->tmpdir);
	json = read_file(path, NULL);
	if (!ASSERT_STRSTR(json, "\"result\":\"timeout\"", "the worker answered") ||
	    !ASSERT_STRSTR(json, "(blocker)", "naming the thread"))
		goto out;
	res = TEST_PASS;
out:
	if (ctl > 0)
		waitpid(ctl, NULL, 0);
	upd_stop(&u);
	json_free(j);
	free(json);
	return daemon_finish(&d, res);
}

UPSTARE_GROUP_TEST("security", daemon_busy, daemon_busy)
