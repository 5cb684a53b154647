// SPDX-License-Identifier: GPL-2.0
/*
 * security/registry_limit: the registry of observed processes is shared by
 * every user, so a user other than root may have at most
 * --max-procs-per-uid of them registered (here 4).  nobody runs an
 * instrumented program (registered on exec) that forks 6 children: 3 are
 * registered, the rest are not and upstared says why; root's instrumented
 * program started then is registered.  When nobody's children exit, their
 * entries are counted back: 2 new children are registered again.
 */
#define _GNU_SOURCE
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "observe.h"

#define LIMIT 4

/* How many processes of uid are registered (ps), or -1. */
static int registered_of(struct daemon *d, uid_t uid, pid_t also, bool *also_seen)
{
	struct json *r = daemon_req(d, "{\"cmd\":\"ps\"}");
	const struct json *procs = r ? json_get(r, "procs") : NULL;
	int n = 0;

	if (!procs) {
		json_free(r);
		return -1;
	}
	for (const struct json *p = procs->child; p; p = p->next) {
		const struct json *u = json_get(p, "uid"), *pid = json_get(p, "pid");

		if (u && (uid_t)u->num == uid)
			n++;
		if (also_seen && pid && (pid_t)pid->num == also)
			*also_seen = true;
	}
	json_free(r);
	return n;
}

/* Wait (5 s) until uid has want registered. */
static bool wait_registered(struct daemon *d, uid_t uid, int want, const char *what)
{
	int n = -1;

	for (int i = 0; i < 100 && n != want; i++) {
		n = registered_of(d, uid, 0, NULL);
		if (n != want)
			usleep(50000);
	}
	return ASSERT_EQ(n, want, what);
}

static bool cmd(struct target *t, const char *c, const char *reply)
{
	return ASSERT_EQ(write(t->in, c, strlen(c)), (ssize_t)strlen(c), c) &&
	       ASSERT_TRUE(target_expect(t, reply, 10), reply);
}

/* End a forker: at EOF it kills and reaps its children (2 s), then exits. */
static void stop_forker(struct target *t)
{
	if (t->pid <= 0)
		return;
	close(t->in);
	t->in = 0;
	for (int i = 0; i < 40; i++) {
		if (waitpid(t->pid, NULL, WNOHANG) == t->pid) {
			t->pid = 0;	/* reaped: target_stop must not kill the pid */
			break;
		}
		usleep(50000);
	}
	target_stop(t);
}

static enum test_result run(struct test_ctx *ctx)
{
	const char *skip = observe_skip_reason();
	struct passwd *pw = getpwnam("nobody");
	struct group *gr = getgrnam("nogroup");
	enum test_result res = TEST_FAIL;
	struct target user = {}, rootp = {};
	struct daemon d = {};
	bool seen = false;
	char bin[512], *log = NULL;
	size_t len;
	FILE *f;

	if (skip || !pw || !gr)
		return test_skip("%s", skip ?: "no user nobody or no group nogroup");
	snprintf(bin, sizeof(bin), "%s/forker", ctx->tmpdir);
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0711), "scratch directory searchable by nobody") ||
	    !sh_ok(120, "build forker", "%s -O2 -o %s %s/selftests/progs/forker.c", upstare_cc(),
		   bin, upstare_src_dir()) ||
	    !ASSERT_OK(daemon_start(&d, ctx->tmpdir, "--max-procs-per-uid 4"), "start upstared"))
		return TEST_FAIL;
	if (!ASSERT_OK(target_start_as(&user, bin, pw->pw_uid, gr->gr_gid), "start forker") ||
	    !ASSERT_TRUE(target_expect(&user, "ready ", 10), "forker ready") ||
	    !wait_registered(&d, pw->pw_uid, 1, "nobody's program registered on exec") ||
	    !cmd(&user, "fork 6\n", "forked 6") ||
	    !wait_registered(&d, pw->pw_uid, LIMIT, "nobody has its limit registered, no more"))
		goto out;
	usleep(200000);
	if (!ASSERT_EQ(registered_of(&d, pw->pw_uid, 0, NULL), LIMIT, "still the limit"))
		goto out;
	f = fopen(d.log, "r");
	if (f) {
		log = calloc(1, 1 << 16);
		len = log ? fread(log, 1, (1 << 16) - 1, f) : 0;
		(void)len;
		fclose(f);
	}
	if (!ASSERT_TRUE(log && strstr(log, "not registered: its user has the most processes "
				      "registered that one user may have (4"),
			 "upstared says why a child is not registered"))
		goto out;
	/* root's server is observed */
	if (!ASSERT_OK(target_start(&rootp, bin), "start root's forker") ||
	    !ASSERT_TRUE(target_expect(&rootp, "ready ", 10), "root's forker ready"))
		goto out;
	for (int i = 0; i < 100 && !seen; i++) {
		registered_of(&d, 0, rootp.pid, &seen);
		if (!seen)
			usleep(50000);
	}
	if (!ASSERT_TRUE(seen, "root's program registered"))
		goto out;
	/* exits are counted back */
	if (!cmd(&user, "kill\n", "killed") ||
	    !wait_registered(&d, pw->pw_uid, 1, "nobody's children unregistered at exit") ||
	    !cmd(&user, "fork 2\n", "forked 2") ||
	    !wait_registered(&d, pw->pw_uid, 3, "new children registered again"))
		goto out;
	res = TEST_PASS;
out:
	free(log);
	stop_forker(&user);
	stop_forker(&rootp);
	return daemon_finish(&d, res);
}

UPSTARE_GROUP_TEST("security", registry_limit, run)
