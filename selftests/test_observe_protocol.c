// SPDX-License-Identifier: GPL-2.0
/*
 * observe/protocol: who may talk to upstared and what a bad request gets.
 * The socket is 0600 root-only by default; a non-root user's upstarectl
 * is refused.  With --group, members of the group may use it and others
 * still may not.  A malformed or unknown request gets an error reply and
 * the daemon keeps serving, on the same connection and on new ones.
 * SIGTERM makes it exit 0 and remove its socket.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "observe.h"

#define AS_NOBODY "setpriv --reuid=65534 --regid=65534 --clear-groups"

/* Send raw lines on one connection; return the reply to the last one. */
static bool raw_exchange(struct daemon *d, const char *const *lines, int n,
			 const char *const *want)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char buf[4096];
	bool ok = true;
	FILE *f;
	int fd, i;

	strcpy(addr.sun_path, d->sock);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		return test_fail_at(__FILE__, __LINE__, "connect to %s", d->sock);
	f = fdopen(fd, "r+");
	setvbuf(f, NULL, _IONBF, 0);
	for (i = 0; i < n && ok; i++) {
		fprintf(f, "%s\n", lines[i]);
		if (!fgets(buf, sizeof(buf), f)) {
			ok = test_fail_at(__FILE__, __LINE__, "no reply to %s", lines[i]);
			break;
		}
		ok = ASSERT_STRSTR(buf, want[i], lines[i]);
	}
	fclose(f);
	return ok;
}

static enum test_result run(struct test_ctx *ctx)
{
	static const char *const lines[] = {
		"{this is not json",
		"{\"cmd\":\"ping\"}",
		"[1,2,3]",
		"{\"cmd\":\"no-such-command\"}",
		"{\"cmd\":\"threads\"}",
		"{\"cmd\":\"threads\",\"pid\":\"x\"}",
		"{\"cmd\":\"threads\",\"pid\":1}",
		"{\"cmd\":\"update\",\"request\":{\"pid\":1,\"patch\":\"rel.so\"}}",
		"{\"cmd\":\"update\",\"request\":{\"pid\":1,\"patch\":\"/x.so\",\"timeout\":0}}",
		"{\"cmd\":\"update\",\"args\":[\"update\",\"--pid\",\"1\"]}",
		"{\"cmd\":\"ping\"}",
	};
	static const char *const want[] = {
		"{\"ok\":false,\"error\":\"malformed request: offset 1: expected a member name\"}",
		"{\"ok\":true,\"protocol\":2}",
		"{\"ok\":false,\"error\":\"request has no \\\"cmd\\\"\"}",
		"{\"ok\":false,\"error\":\"unknown command \\\"no-such-command\\\"\"}",
		"positive integer \\\"pid\\\"",
		"positive integer \\\"pid\\\"",
		"pid 1 is not registered",
		"the patch and constraint paths must be absolute",
		"pid, timeout (1 to 600000 ms) or depth out of range",
		"update needs \\\"request\\\"",
		"{\"ok\":true,\"protocol\":2}",
	};
	const char *skip = observe_skip_reason();
	enum test_result res = TEST_FAIL;
	struct cmd_result cr = {};
	struct daemon d = {};
	struct json *r;
	struct stat st;

	if (skip)
		return test_skip("%s", skip);
	if (access("/usr/bin/setpriv", X_OK))
		return test_skip("setpriv (util-linux) is needed to run a client as nobody");
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, NULL), "start upstared"))
		return TEST_FAIL;
	/* Root only: the socket file itself keeps everyone else out. */
	if (!ASSERT_OK(stat(d.sock, &st), "stat socket") ||
	    !ASSERT_EQ(st.st_mode & 0777, 0600, "socket mode without --group"))
		goto cleanup;
	if (!raw_exchange(&d, lines, sizeof(lines) / sizeof(lines[0]), want))
		goto cleanup;
	r = daemon_req(&d, "{\"cmd\":\"ps\"}");
	if (!ASSERT_TRUE(r && json_bool(r, "ok", false), "serving after bad requests"))
		goto cleanup;
	json_free(r);
	chmod(ctx->tmpdir, 0755);
	run_cmd(&cr, 20, "UPSTARE_SOCKET=%s " AS_NOBODY " %s/bin/upstarectl ps",
		d.sock, upstare_build_dir());
	if (!ASSERT_NEQ(cr.status, 0, "nobody's upstarectl ps fails") ||
	    !ASSERT_STRSTR(cr.err, "Permission denied", "nobody is refused"))
		goto cleanup;
	cmd_result_free(&cr);
	if (!ASSERT_EQ(daemon_stop(&d), 0, "exit status on SIGTERM") ||
	    !ASSERT_TRUE(access(d.sock, F_OK), "socket removed at exit"))
		goto cleanup;

	/* --group nogroup: its members get in, through the mode and SO_PEERCRED. */
	if (!ASSERT_OK(daemon_start(&d, ctx->tmpdir, "-g nogroup"), "start upstared -g"))
		goto cleanup;
	if (!ASSERT_OK(stat(d.sock, &st), "stat socket") ||
	    !ASSERT_EQ(st.st_mode & 0777, 0660, "socket mode with --group") ||
	    !ASSERT_EQ(st.st_gid, 65534, "socket group"))
		goto cleanup;
	run_cmd(&cr, 20, "UPSTARE_SOCKET=%s " AS_NOBODY " %s/bin/upstarectl ps",
		d.sock, upstare_build_dir());
	if (!ASSERT_EQ(cr.status, 0, "a group member's upstarectl ps works") ||
	    !ASSERT_STRSTR(cr.out, "PID", "ps table"))
		goto cleanup;
	cmd_result_free(&cr);
	run_cmd(&cr, 20, "UPSTARE_SOCKET=%s setpriv --reuid=65534 --regid=65533 --clear-groups "
		"%s/bin/upstarectl ps", d.sock, upstare_build_dir());
	if (!ASSERT_NEQ(cr.status, 0, "a non-member's upstarectl ps fails"))
		goto cleanup;
	cmd_result_free(&cr);
	/* A supplementary member: the daemon finds it in /proc/PID/status. */
	run_cmd(&cr, 20, "UPSTARE_SOCKET=%s setpriv --reuid=65534 --regid=65533 --groups=65534 "
		"%s/bin/upstarectl ps", d.sock, upstare_build_dir());
	if (!ASSERT_EQ(cr.status, 0, "a supplementary member's upstarectl ps works"))
		goto cleanup;
	res = TEST_PASS;
cleanup:
	cmd_result_free(&cr);
	res = daemon_finish(&d, res);
	return res;
}

OBSERVE_TEST(protocol, run)
