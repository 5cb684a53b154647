// SPDX-License-Identifier: GPL-2.0
/*
 * The security cases: what a member of upstared's group (-g) who is not root may
 * do through the daemon (Documentation/security.rst).  The peer is
 * nobody, upstared's group nogroup; the program is the shifted_temps
 * update case (selftests/updates/shifted_temps/), registered on exec.
 *
 * security/foreign_target: on root's instrumented process nobody can
 * neither read its threads, detach it, attach it with another signal,
 * open its update window nor update it: each request is refused, naming
 * the pid and why, and changes nothing (root's update afterwards is the
 * first one applied); on a process of nobody's that is not dumpable
 * neither; and no one, root included, can make SIGKILL the kick signal.
 *
 * security/own_target: on its own process nobody gets the threads without
 * raw addresses (root gets them), cannot have the daemon read a file only
 * root may read through --constraints (the error shows none of its
 * content), and can update it.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"
#include "updlib.h"

#define SECRET "SECRET_TOKEN_4711"

struct peer {
	uid_t uid;
	gid_t gid;
};

/*
 * SKIP without root, BTF, nobody or nogroup; else build the case, start
 * upstared with -g nogroup (the scratch directory opened to others so
 * that nobody reaches its socket), and the program as run_as (0: root).
 */
static bool setup(struct upd *u, struct test_ctx *ctx, struct daemon *d, struct peer *p,
		  bool own, enum test_result *res)
{
	const char *skip = observe_skip_reason();
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("nogroup");

	if (skip || !pw || !gr) {
		*res = test_skip("%s", skip ?: "no user nobody or no group nogroup");
		return false;
	}
	p->uid = pw->pw_uid;
	p->gid = gr->gr_gid;
	if (!upd_init(u, ctx, "shifted_temps", res))
		return false;
	*res = TEST_FAIL;
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0711), "scratch directory searchable by nobody") ||
	    !upd_prepare(u, "v2/prog.c") ||
	    !ASSERT_OK(daemon_start(d, ctx->tmpdir, "-g nogroup"), "start upstared -g nogroup"))
		return false;
	u->sock = d->sock;
	if (own) {
		u->uid = p->uid;
		u->gid = p->gid;
	}
	return upd_run(u, "v1 main n=100\n");
}

/* The request as nobody is refused with an error that has want. */
static bool refused(struct daemon *d, const struct peer *p, const char *want, const char *what,
		    const char *req)
{
	struct json *r = daemon_req_as(d, p->uid, p->gid, NULL, "%s", req);
	bool ok = ASSERT_TRUE(r, what) &&
		  ASSERT_TRUE(!json_bool(r, "ok", true), what) &&
		  ASSERT_STRSTR(json_str(r, "error"), want, what);

	json_free(r);
	return ok;
}

/* A child of nobody's that is not dumpable (as after a setuid exec). */
static pid_t undumpable_child(const struct peer *p)
{
	int pfd[2];
	pid_t pid;
	char c;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		close(pfd[0]);
		if (setgroups(0, NULL) || setgid(p->gid) || setuid(p->uid) ||
		    prctl(PR_SET_DUMPABLE, 0))
			_exit(126);
		write(pfd[1], "x", 1);
		pause();
		_exit(0);
	}
	close(pfd[1]);
	if (pid > 0 && read(pfd[0], &c, 1) != 1) {
		waitpid(pid, NULL, 0);
		pid = -1;
	}
	close(pfd[0]);
	return pid;
}

static enum test_result run_foreign(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	pid_t undumpable = -1, plain = -1;
	struct daemon d = {};
	struct upd u = {};
	struct peer p;
	char want[64], req[1024];
	struct json *r = NULL;

	if (!setup(&u, ctx, &d, &p, false, &res))
		goto out;
	snprintf(want, sizeof(want), "pid %d: not yours (uid 0)", u.pid);
	snprintf(req, sizeof(req), "{\"cmd\":\"update\",\"request\":{\"pid\":%d,"
		 "\"patch\":\"%s/v2.so\",\"json\":true}}", u.pid, ctx->tmpdir);
	r = daemon_req_as(&d, p.uid, p.gid, NULL, "%s", req);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "update request answered") ||
	    !ASSERT_EQ(json_int(r, "status", 0), 1, "nobody's update of root's process") ||
	    !ASSERT_STRSTR(json_str(r, "out"), "\"result\":\"refused\"", "refused") ||
	    !ASSERT_STRSTR(json_str(r, "out"), want, "refused, naming pid and owner"))
		goto out;
	snprintf(req, sizeof(req), "{\"cmd\":\"threads\",\"pid\":%d}", u.pid);
	if (!refused(&d, &p, want, "threads", req))
		goto out;
	snprintf(req, sizeof(req), "{\"cmd\":\"window\",\"pid\":%d,\"open\":true}", u.pid);
	if (!refused(&d, &p, want, "window", req))
		goto out;
	snprintf(req, sizeof(req), "{\"cmd\":\"attach\",\"pid\":%d,\"signal\":9}", u.pid);
	if (!refused(&d, &p, want, "attach --signal 9", req))
		goto out;
	snprintf(req, sizeof(req), "{\"cmd\":\"detach\",\"pid\":%d}", u.pid);
	if (!refused(&d, &p, want, "detach", req))
		goto out;

	/* nobody's own process, once not dumpable: root's alone */
	undumpable = undumpable_child(&p);
	if (!ASSERT_TRUE(undumpable > 0, "start an undumpable process of nobody's"))
		goto out;
	snprintf(want, sizeof(want), "pid %d: not dumpable", undumpable);
	snprintf(req, sizeof(req), "{\"cmd\":\"attach\",\"pid\":%d}", undumpable);
	if (!refused(&d, &p, want, "attach an undumpable process", req))
		goto out;

	/* the kick signal is a real-time signal, whoever asks */
	plain = fork();
	if (plain == 0) {
		pause();
		_exit(0);
	}
	json_free(r);
	r = daemon_req(&d, "{\"cmd\":\"attach\",\"pid\":%d,\"signal\":9}", plain);
	if (!ASSERT_TRUE(r && !json_bool(r, "ok", true), "root's attach --signal 9 refused") ||
	    !ASSERT_STRSTR(json_str(r, "error"), "signal 9: the kick signal must be",
			   "says which signals may be"))
		goto out;

	/* nothing changed: root's update is the first one, and applies */
	if (!ASSERT_TRUE(upd_alive(&u), "root's process still runs") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "root's update") ||
	    !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	json_free(r);
	for (pid_t *k = (pid_t[]){ undumpable, plain }, *e = k + 2; k < e; k++)
		if (*k > 0) {
			kill(*k, SIGKILL);
			waitpid(*k, NULL, 0);
		}
	upd_stop(&u);
	return daemon_finish(&d, res);
}

static enum test_result run_own(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char path[512], req[1024], *raw = NULL;
	struct daemon d = {};
	struct upd u = {};
	struct json *r = NULL;
	struct peer p;
	const char *err;

	if (!setup(&u, ctx, &d, &p, true, &res))
		goto out;
	/* root sees where the frames are; nobody the frames alone */
	r = daemon_req(&d, "{\"cmd\":\"threads\",\"pid\":%d}", u.pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "root's threads"))
		goto out;
	{
		struct jbuf b = {};

		json_write(&b, r);
		if (!ASSERT_STRSTR(b.s, "\"addr\":\"0x", "root gets addresses")) {
			jb_free(&b);
			goto out;
		}
		jb_free(&b);
	}
	json_free(r);
	r = daemon_req_as(&d, p.uid, p.gid, &raw, "{\"cmd\":\"threads\",\"pid\":%d}", u.pid);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "nobody's threads of its own process") ||
	    !ASSERT_STRSTR(raw, "\"function\":\"main\"", "symbolized frames") ||
	    !ASSERT_STRSTR(raw, "\"addr\":null", "frames without addresses") ||
	    !ASSERT_TRUE(!strstr(raw, "0x"), "no raw address anywhere"))
		goto out;

	/* a file only root may read is not read for nobody */
	snprintf(path, sizeof(path), "%s/secret.cons", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, SECRET " frobnicate\n", strlen(SECRET) + 12),
		       "write the secret") ||
	    !ASSERT_OK(chmod(path, 0600), "secret readable by root only"))
		goto out;
	snprintf(req, sizeof(req), "{\"cmd\":\"update\",\"request\":{\"pid\":%d,"
		 "\"patch\":\"%s/v2.so\",\"constraints\":\"%s/secret.cons\",\"json\":true}}",
		 u.pid, ctx->tmpdir, ctx->tmpdir);
	free(raw);
	json_free(r);
	r = daemon_req_as(&d, p.uid, p.gid, &raw, "%s", req);
	err = r ? json_str(r, "err") : NULL;
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "update request answered") ||
	    !ASSERT_TRUE(json_int(r, "status", 0) != 0, "not started") ||
	    !ASSERT_STRSTR(err, "secret.cons", "names the file") ||
	    !ASSERT_STRSTR(err, "Permission denied", "says why") ||
	    !ASSERT_TRUE(!strstr(raw, SECRET) && !strstr(raw, "frobnicate"),
			 "shows none of its content"))
		goto out;

	/* and its own process it may update */
	snprintf(req, sizeof(req), "{\"cmd\":\"update\",\"request\":{\"pid\":%d,"
		 "\"patch\":\"%s/v2.so\",\"json\":true}}", u.pid, ctx->tmpdir);
	json_free(r);
	r = daemon_req_as(&d, p.uid, p.gid, NULL, "%s", req);
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "update request answered") ||
	    !ASSERT_STRSTR(json_str(r, "out"), "\"result\":\"applied\"", "nobody's own update") ||
	    !upd_wait(&u, "v2 got hello\n", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	free(raw);
	json_free(r);
	upd_stop(&u);
	return daemon_finish(&d, res);
}

UPSTARE_GROUP_TEST("security", foreign_target, run_foreign)
UPSTARE_GROUP_TEST("security", own_target, run_own)
