// SPDX-License-Identifier: GPL-2.0
/*
 * security/stale_request: a controller killed between writing its request
 * into the target's control block and asking the threads for it (step 2
 * and 3 of upstare-ctl.h) left the request there, untaken.  Every later
 * update said "another update is in progress" until the target happened
 * to take the stale request.  Now the next controller, which holds the
 * target's lock (so the request's author is gone), takes it back and
 * applies its own patch; the stale request never runs.
 *
 * security/two_controllers: while one controller's update waits for a
 * thread that cannot park (update/sigblocked's program), a second
 * controller is told that another controller, named by pid, is updating
 * the target, and writes nothing; the first one's update then ends as it
 * would have (timeout), and the program goes on in version 1.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "updlib.h"
#include "upstare-ctl.h"

/* The address of the target's control block: its symbol plus the load base. */
static unsigned long control_block(pid_t pid)
{
	char cmd[128], line[512], exe[256], path[64];
	unsigned long sym = 0, base = 0, start, off;
	ssize_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n <= 0)
		return 0;
	exe[n] = 0;
	snprintf(cmd, sizeof(cmd), "nm -D --defined-only %s", path);
	f = popen(cmd, "r");
	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " " UPSTARE_CONTROL_SYM "\n"))
			sym = strtoul(line, NULL, 16);
	if (f)
		pclose(f);
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		if (p && (p[strcspn(p, "\n")] = 0, !strcmp(p, exe)) &&
		    sscanf(line, "%lx-%*lx %*s %lx", &start, &off) == 2 && !off) {
			base = start;
			break;
		}
	}
	if (f)
		fclose(f);
	return sym && base ? base + sym : 0;
}

/* Write request = ack + 1 and nothing else, as a controller that died then. */
static bool leave_request(pid_t pid)
{
	unsigned long cb = control_block(pid);
	char path[64];
	uint32_t ack, req;
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	fd = open(path, O_RDWR | O_CLOEXEC);
	ok = cb && fd >= 0 &&
	     pread(fd, &ack, sizeof(ack), cb + offsetof(struct upstare_control, ack)) == 4 &&
	     (req = ack + 1,
	      pwrite(fd, &req, sizeof(req), cb + offsetof(struct upstare_control, request)) == 4);
	if (fd >= 0)
		close(fd);
	return ASSERT_TRUE(ok, "a stale request written into the control block");
}

static enum test_result stale_request(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c xform.c") && upd_run(&u, "v1 requests=20 ") &&
	    leave_request(u.pid) && upd_goes_on(&u, "v1 requests=", false, NULL, NULL) &&
	    upd_expect(&u, "v2.so", 3000, "applied", "the next update") &&
	    upd_wait(&u, "v2 requests=", 0, 10))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result two_controllers(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	pid_t first = -1;
	int status;
	struct upd u;

	if (!upd_init(&u, ctx, "sigblocked", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "blocker ready"))
		goto out;
	/* the first controller: its update waits 3 s for the blocked thread */
	first = fork();
	if (first == 0) {
		char arg[32];

		snprintf(arg, sizeof(arg), "%d", u.pid);
		execl("/bin/sh", "sh", "-c", "exec \"$0\"/bin/upstarectl update --direct --pid \"$1\" "
		      "--patch \"$2\"/v2.so --timeout 3000 --json >/dev/null 2>&1",
		      upstare_build_dir(), arg, ctx->tmpdir, (char *)NULL);
		_exit(127);
	}
	usleep(500000);
	if (run_cmd(&r, 60, "%s/bin/upstarectl update --direct --pid %d --patch %s/v2.so "
		    "--timeout 500 --json", upstare_build_dir(), u.pid, ctx->tmpdir))
		goto out;
	test_log("second controller: status %d: %s%s", r.status, r.out, r.err);
	if (!ASSERT_STRSTR(r.out, "\"result\":\"timeout\"", "the second one's result") ||
	    !ASSERT_STRSTR(r.out, "another controller (pid ", "the first one named") ||
	    !ASSERT_STRSTR(r.out, ") is updating it", "why"))
		goto out;
	if (!ASSERT_EQ(waitpid(first, &status, 0), first, "the first controller ends"))
		goto out;
	first = -1;
	if (!ASSERT_EQ(WEXITSTATUS(status), 1, "the first one's update timed out") ||
	    !upd_goes_on(&u, "v1 n=", true, NULL, NULL))
		goto out;
	res = TEST_PASS;
out:
	if (first > 0)
		waitpid(first, NULL, 0);
	cmd_result_free(&r);
	upd_stop(&u);
	return res;
}

UPSTARE_GROUP_TEST("security", stale_request, stale_request)
UPSTARE_GROUP_TEST("security", two_controllers, two_controllers)
