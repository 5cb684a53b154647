// SPDX-License-Identifier: GPL-2.0
/* Helpers for the observation selftests (see observe.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "observe.h"

const char *observe_skip_reason(void)
{
	if (!is_root())
		return "needs root to load BPF programs";
	if (access("/sys/kernel/btf/vmlinux", R_OK))
		return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
	return NULL;
}

int daemon_start(struct daemon *d, const char *dir, const char *extra_args)
{
	char cmd[1024];
	int i;

	snprintf(d->sock, sizeof(d->sock), "%s/upstared.sock", dir);
	snprintf(d->log, sizeof(d->log), "%s/upstared.log", dir);
	d->pid = fork();
	if (d->pid < 0)
		return -errno;
	if (d->pid == 0) {
		snprintf(cmd, sizeof(cmd), "exec %s/bin/upstared -s %s %s 2>%s",
			 upstare_build_dir(), d->sock, extra_args ?: "", d->log);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100; i++) {
		struct json *r;

		if (!access(d->sock, F_OK)) {
			r = daemon_req(d, "{\"cmd\":\"ping\"}");
			if (r) {
				json_free(r);
				return 0;
			}
		}
		if (waitpid(d->pid, NULL, WNOHANG) == d->pid) {
			d->pid = 0;
			return -ECHILD;
		}
		usleep(50000);
	}
	return -ETIMEDOUT;
}

int daemon_stop(struct daemon *d)
{
	int status = -1;

	if (d->pid <= 0)
		return -1;
	kill(d->pid, SIGTERM);
	waitpid(d->pid, &status, 0);
	d->pid = 0;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

enum test_result daemon_finish(struct daemon *d, enum test_result res)
{
	if (d->pid && !ASSERT_EQ(daemon_stop(d), 0, "upstared exits 0 on SIGTERM"))
		res = TEST_FAIL;
	if (res != TEST_PASS && d->log[0]) {
		char *log = read_file(d->log, NULL);

		test_log("upstared log:\n%s", log ?: "");
		free(log);
	}
	return res;
}

/* Send req on a new connection; the reply line's length in buf (0: none). */
static size_t req_raw(struct daemon *d, const char *req, char *buf, size_t size)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	size_t off = 0;
	int fd;

	strcpy(addr.sun_path, d->sock);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)))
		goto out;
	/*
	 * Refused at once (too many clients), the daemon says why all the
	 * same: the request may meet a closed socket, without a SIGPIPE.
	 */
	(void)!send(fd, req, strlen(req), MSG_NOSIGNAL);
	(void)!send(fd, "\n", 1, MSG_NOSIGNAL);
	while (off < size - 1) {
		ssize_t n = read(fd, buf + off, size - 1 - off);

		if (n <= 0)
			break;
		off += n;
		buf[off] = 0;
		if (strchr(buf, '\n'))
			break;
	}
out:
	buf[off] = 0;
	if (fd >= 0)
		close(fd);
	return off;
}

struct json *daemon_req(struct daemon *d, const char *fmt, ...)
{
	char *req, buf[1 << 16], err[128];
	struct json *j = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&req, fmt, ap) < 0)
		req = NULL;
	va_end(ap);
	if (!req)
		return NULL;
	if (req_raw(d, req, buf, sizeof(buf)))
		j = json_parse(buf, err, sizeof(err));
	free(req);
	return j;
}

struct json *daemon_req_as(struct daemon *d, uid_t uid, gid_t gid, char **raw,
			   const char *fmt, ...)
{
	char *req, *buf = NULL, err[128];
	struct json *j = NULL;
	size_t len = 0;
	int pfd[2];
	FILE *f;
	pid_t pid;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&req, fmt, ap) < 0)
		req = NULL;
	va_end(ap);
	if (!req || pipe2(pfd, O_CLOEXEC)) {
		free(req);
		return NULL;
	}
	pid = fork();
	if (pid == 0) {
		static char out[1 << 16];
		size_t n;

		close(pfd[0]);
		if (setgroups(0, NULL) || setgid(gid) || setuid(uid))
			_exit(126);
		n = req_raw(d, req, out, sizeof(out));
		_exit(write(pfd[1], out, n) == (ssize_t)n ? 0 : 1);
	}
	close(pfd[1]);
	f = fdopen(pfd[0], "r");
	if (f) {
		FILE *m = open_memstream(&buf, &len);

		for (int c; m && (c = fgetc(f)) != EOF;)
			fputc(c, m);
		if (m)
			fclose(m);
		fclose(f);
	} else {
		close(pfd[0]);
	}
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (buf && len)
		j = json_parse(buf, err, sizeof(err));
	test_log("as uid %u: %s -> %s", uid, req, buf ?: "(nothing)");
	if (raw)
		*raw = buf;
	else
		free(buf);
	free(req);
	return j;
}

int target_start(struct target *t, const char *path)
{
	return target_start_as(t, path, 0, 0);
}

int target_start_as(struct target *t, const char *path, uid_t uid, gid_t gid)
{
	int in[2], out[2];

	if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC))
		return -errno;
	t->pid = fork();
	if (t->pid < 0)
		return -errno;
	if (t->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		if (uid && (setgroups(0, NULL) || setgid(gid) || setuid(uid)))
			_exit(126);
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	t->in = in[1];
	t->out = fdopen(out[0], "r");
	setvbuf(t->out, NULL, _IONBF, 0);
	return 0;
}

char *target_expect(struct target *t, const char *prefix, int timeout_s)
{
	static char line[512];
	struct pollfd p = { fileno(t->out), POLLIN, 0 };

	for (;;) {
		/* t->out is unbuffered, so poll sees everything not yet read. */
		if (poll(&p, 1, timeout_s * 1000) <= 0)
			return NULL;
		if (!fgets(line, sizeof(line), t->out))
			return NULL;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, prefix, strlen(prefix)))
			return line;
	}
}

void target_stop(struct target *t)
{
	if (t->pid > 0) {
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->pid = 0;
	}
	if (t->in > 0)
		close(t->in);
	if (t->out)
		fclose(t->out);
	t->in = 0;
	t->out = NULL;
}

const struct json *thread_by_tid(const struct json *threads, long tid)
{
	const struct json *t;

	for (t = threads ? threads->child : NULL; t; t = t->next)
		if (json_int(t, "tid", 0) == tid)
			return t;
	return NULL;
}

bool stack_has(const struct json *thread, const char *fn)
{
	const struct json *st = json_get(thread, "stack"), *f;

	for (f = st ? st->child : NULL; f; f = f->next)
		if (json_str(f, "function") && !strcmp(json_str(f, "function"), fn))
			return true;
	return false;
}

bool build_scenario(struct test_ctx *ctx, char *bin, size_t n)
{
	snprintf(bin, n, "%s/scenario", ctx->tmpdir);
	return sh_ok(120, "build scenario", "%s -O2 -g -fno-omit-frame-pointer -c -o %s/plainspin.o "
		     "%s/selftests/progs/plainspin.c && %s -O2 -g -pthread -o %s "
		     "%s/selftests/progs/scenario.c %s/plainspin.o", plain_cc(), ctx->tmpdir,
		     upstare_src_dir(), upstare_cc(), bin, upstare_src_dir(), ctx->tmpdir);
}
