// SPDX-License-Identifier: GPL-2.0
/* Helpers of the live-update cases: see updlib.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"
#include "updlib.h"

bool upd_init(struct upd *u, struct test_ctx *ctx, const char *name, enum test_result *skip)
{
	memset(u, 0, sizeof(*u));
	u->ctx = ctx;
	u->name = name;
	snprintf(u->out, sizeof(u->out), "%s/out.txt", ctx->tmpdir);
	if (!is_root()) {
		*skip = test_skip("live updates need root: patches must be owned by root and "
				  "upstarectl writes the target's memory");
		return false;
	}
	return true;
}

static void case_paths(struct upd *u, const char *srcs, char *buf, size_t n)
{
	char *copy = strdup(srcs), *save = NULL;
	size_t len = 0;

	buf[0] = 0;
	for (char *w = strtok_r(copy, " ", &save); w; w = strtok_r(NULL, " ", &save))
		if (w[0] == '-')	/* a compiler flag: -DNAME */
			len += snprintf(buf + len, len < n ? n - len : 0, "%s ", w);
		else
			len += snprintf(buf + len, len < n ? n - len : 0,
					"%s/selftests/updates/%s/%s ", upstare_src_dir(), u->name,
					w);
	free(copy);
}

bool upd_build(struct upd *u, const char *bin, const char *srcs)
{
	char paths[4096];

	case_paths(u, srcs, paths, sizeof(paths));
	return sh_ok(120, "build", "%s -O2 -pthread %s-o %s/%s", upstare_cc(), paths,
		     u->ctx->tmpdir, bin);
}

bool upd_patch(struct upd *u, const char *base, const char *out, const char *srcs)
{
	char paths[4096];

	case_paths(u, srcs, paths, sizeof(paths));
	return sh_ok(120, "build patch", "%s --patch --base %s/%s -O2 -pthread -o %s/%s %s && "
		     "chmod 644 %s/%s", upstare_cc(), u->ctx->tmpdir, base, u->ctx->tmpdir, out,
		     paths, u->ctx->tmpdir, out);
}

bool upd_start(struct upd *u, const char *bin)
{
	char path[512];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", u->ctx->tmpdir, bin);
	fd = open(u->out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return test_fail_at(__FILE__, __LINE__, "%s: %s", u->out, strerror(errno));
	u->pid = fork();
	if (u->pid == 0) {
		setpgid(0, 0);	/* its own group: upd_stop kills its children too */
		dup2(fd, 1);
		dup2(fd, 2);
		if (u->uid && (setgroups(0, NULL) || setgid(u->gid) || setuid(u->uid)))
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(fd);
	return u->pid > 0;
}

char *upd_output(struct upd *u, size_t *len)
{
	size_t n = 0;
	char *s = read_file(u->out, &n);

	if (len)
		*len = s ? n : 0;
	return s ? s : strdup("");
}

bool upd_wait(struct upd *u, const char *needle, size_t from, int timeout_s)
{
	for (int i = 0; i < timeout_s * 100; i++) {
		size_t n;
		char *s = upd_output(u, &n);
		bool found = n > from && strstr(s + from, needle);

		free(s);
		if (found)
			return true;
		usleep(10000);
	}
	{
		char *s = upd_output(u, NULL);

		test_log("no \"%s\" in the program's output:\n%.3000s", needle, s);
		free(s);
	}
	return false;
}

bool upd_update(struct upd *u, const char *patch, int timeout_ms)
{
	struct cmd_result r;

	if (run_cmd(&r, 60, "UPSTARE_SOCKET=%s %s/bin/upstarectl update --pid %d --patch %s/%s "
		    "--timeout %d%s%s%s %s --json", u->sock ?: "/nonexistent",
		    upstare_build_dir(), u->pid, u->ctx->tmpdir, patch, timeout_ms,
		    u->tree ? " --tree" : "", u->stacks ? " --stacks" : "",
		    u->sock ? "" : " --direct", u->extra ?: ""))
		return false;
	snprintf(u->json, sizeof(u->json), "%s", r.out);
	u->status = r.status;
	test_log("upstarectl update %s: status %d: %s%s", patch, r.status, r.out, r.err);
	cmd_result_free(&r);
	return true;
}

char *upd_field(struct upd *u, const char *key)
{
	char pat[128], *p, *v;

	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(u->json, pat);
	if (!p)
		return NULL;
	p += strlen(pat);
	if (*p == '"') {
		v = strdup(p + 1);
		v[strcspn(v, "\"")] = 0;
	} else {
		v = strdup(p);
		v[strcspn(v, ",}")] = 0;
	}
	return v;
}

bool upd_alive(struct upd *u)
{
	return u->pid > 0 && waitpid(u->pid, NULL, WNOHANG) == 0;
}

void upd_stop(struct upd *u)
{
	if (u->pid > 0) {
		kill(-u->pid, SIGKILL);
		kill(u->pid, SIGKILL);
		waitpid(u->pid, NULL, 0);
		u->pid = 0;
	}
}

static long scan_value(struct upd *u, const char *prefix, bool last)
{
	char *s = upd_output(u, NULL), *p = s;
	long v = -1;

	while ((p = strstr(p, prefix))) {
		p += strlen(prefix);
		v = strtol(p, NULL, 10);
		if (!last)
			break;
	}
	free(s);
	return v;
}

long upd_last_value(struct upd *u, const char *prefix)
{
	return scan_value(u, prefix, true);
}

long upd_first_value(struct upd *u, const char *prefix)
{
	return scan_value(u, prefix, false);
}

bool upd_prepare(struct upd *u, const char *srcs)
{
	return upd_build(u, "v1", "v1/prog.c") && upd_patch(u, "v1", "v2.so", srcs);
}

bool upd_run(struct upd *u, const char *ready)
{
	return upd_start(u, "v1") && upd_wait(u, ready, 0, 10);
}

bool upd_waitf(struct upd *u, size_t from, int timeout_s, const char *fmt, ...)
{
	char needle[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(needle, sizeof(needle), fmt, ap);
	va_end(ap);
	return upd_wait(u, needle, from, timeout_s);
}

bool upd_wait_new(struct upd *u, const char *needle, int timeout_s)
{
	size_t len;

	free(upd_output(u, &len));
	return upd_wait(u, needle, len, timeout_s);
}

bool upd_expect_at(const char *file, int line, struct upd *u, const char *patch,
		   int timeout_ms, const char *want, const char *what)
{
	char *r;
	bool ok;

	if (!upd_update(u, patch, timeout_ms))
		return false;
	r = upd_field(u, "result");
	ok = r && !strcmp(r, want);
	if (!ok)
		test_fail_at(file, line, "%s: \"%s\" != \"%s\"", what, r ?: "(null)", want);
	free(r);
	return ok;
}

bool upd_goes_on_at(const char *file, int line, struct upd *u, const char *prefix,
		    bool stop, char **out, size_t *from)
{
	long before = upd_last_value(u, prefix), after;
	size_t len;
	char *s;
	bool ok;

	if (out)
		*out = NULL;
	free(upd_output(u, &len));
	if (from)
		*from = len;
	if (!upd_wait(u, prefix, len, 10))
		return false;
	if (stop)
		upd_stop(u);
	s = upd_output(u, NULL);
	after = upd_last_value(u, prefix);
	ok = after > before ||
	     test_fail_at(file, line, "v1 goes on: the last \"%s\" is %ld, was %ld before",
			  prefix, after, before);
	ok = ok && (!strstr(s, "v2 ") ||
		    test_fail_at(file, line, "no v2 output: \"v2 \" found in output:\n%s", s));
	if (out)
		*out = s;
	else
		free(s);
	return ok;
}

bool upd_init_daemon(struct upd *u, struct test_ctx *ctx, const char *name,
		     struct daemon *d, enum test_result *res)
{
	const char *skip = observe_skip_reason();

	if (skip) {
		*res = test_skip("%s", skip);
		return false;
	}
	if (!upd_init(u, ctx, name, res))
		return false;
	*res = TEST_FAIL;
	if (!upd_prepare(u, "v2/prog.c") ||
	    !ASSERT_OK(daemon_start(d, ctx->tmpdir, NULL), "start upstared"))
		return false;
	u->sock = d->sock;
	return true;
}

bool upd_ask(int fd, const char *msg, char *buf, size_t n)
{
	size_t got = 0;
	ssize_t r;

	if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
		return false;
	while (got + 1 < n && (!got || buf[got - 1] != '\n')) {
		r = read(fd, buf + got, n - 1 - got);
		if (r <= 0)
			return false;
		got += r;
	}
	buf[got] = 0;
	return true;
}
