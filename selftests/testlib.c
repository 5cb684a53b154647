// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the selftest cases: running commands, files, paths. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

static void buf_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int run_cmd(struct cmd_result *res, int timeout_s, const char *fmt, ...)
{
	size_t ocap = 0, ecap = 0;
	int opipe[2], epipe[2], status;
	char *cmd, chunk[65536];
	double deadline;
	va_list ap;
	pid_t pid;
	int open_fds = 2;

	memset(res, 0, sizeof(*res));
	res->status = -1;
	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0) {
		va_end(ap);
		return -ENOMEM;
	}
	va_end(ap);
	if (pipe2(opipe, O_CLOEXEC) || pipe2(epipe, O_CLOEXEC)) {
		free(cmd);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		free(cmd);
		return -errno;
	}
	if (pid == 0) {
		setpgid(0, 0);
		dup2(opipe[1], 1);
		dup2(epipe[1], 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	free(cmd);
	close(opipe[1]);
	close(epipe[1]);
	buf_append(&res->out, &res->out_len, &ocap, "", 0);
	buf_append(&res->err, &res->err_len, &ecap, "", 0);
	deadline = now_s() + timeout_s;
	while (open_fds) {
		struct pollfd pfd[2] = { { opipe[0], POLLIN, 0 }, { epipe[0], POLLIN, 0 } };
		int left = (int)((deadline - now_s()) * 1000);

		if (left <= 0) {
			res->timed_out = true;
			kill(-pid, SIGKILL);
			break;
		}
		if (poll(pfd, 2, left) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < 2; i++) {
			ssize_t n;

			if (!(pfd[i].revents & (POLLIN | POLLHUP)) || pfd[i].fd < 0)
				continue;
			n = read(pfd[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(i ? epipe[0] : opipe[0]);
				if (i)
					epipe[0] = -1;
				else
					opipe[0] = -1;
				open_fds--;
				continue;
			}
			if (i)
				buf_append(&res->err, &res->err_len, &ecap, chunk, n);
			else
				buf_append(&res->out, &res->out_len, &ocap, chunk, n);
		}
	}
	if (opipe[0] >= 0)
		close(opipe[0]);
	if (epipe[0] >= 0)
		close(epipe[0]);
	waitpid(pid, &status, 0);
	/* a background child of the command may still hold the group */
	kill(-pid, SIGKILL);
	if (WIFEXITED(status))
		res->status = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		res->status = 128 + WTERMSIG(status);
	return 0;
}

void cmd_result_free(struct cmd_result *res)
{
	free(res->out);
	free(res->err);
	res->out = res->err = NULL;
}

const char *upstare_build_dir(void)
{
	static char dir[PATH_MAX];
	const char *b = getenv("UPSTARE_BUILD");

	if (!dir[0] && (!b || !realpath(b, dir)))
		snprintf(dir, sizeof(dir), "%s", b ? b : "build");
	return dir;
}

const char *upstare_cc(void)
{
	static char path[PATH_MAX + 32];

	if (!path[0])
		snprintf(path, sizeof(path), "%s/bin/upstare-cc", upstare_build_dir());
	return path;
}

const char *upstare_src_dir(void)
{
	static char dir[PATH_MAX];
	const char *s = getenv("UPSTARE_SRC");

	if (!dir[0] && (!s || !realpath(s, dir)))
		snprintf(dir, sizeof(dir), "%s", s ? s : ".");
	return dir;
}

const char *plain_cc(void)
{
	const char *cc = getenv("UPSTARE_CLANG");

	return cc && *cc ? cc : "clang-19";
}

int write_file(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = write(fd, data, len);
	close(fd);
	return n == (ssize_t)len ? 0 : -EIO;
}

char *read_file(const char *path, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL, chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0)
		return NULL;
	buf_append(&buf, &n, &cap, "", 0);
	while ((r = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&buf, &n, &cap, chunk, r);
	close(fd);
	if (len)
		*len = n;
	return buf;
}

bool is_root(void)
{
	return geteuid() == 0;
}

/* Run a shell command; on failure log what failed with the end of its stderr. */
bool sh_ok(int timeout_s, const char *what, const char *fmt, ...)
{
	struct cmd_result r;
	va_list ap;
	char *cmd;
	bool ok;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&cmd, fmt, ap);
	va_end(ap);
	if (n < 0)
		return false;
	if (run_cmd(&r, timeout_s, "%s", cmd)) {
		test_log("%s: cannot run: %s", what, cmd);
		free(cmd);
		return false;
	}
	ok = r.status == 0 && !r.timed_out;
	if (!ok) {
		/* the first errors say what went wrong, the last lines where */
		bool cut = r.err_len > 4000;

		test_log("%s: %s (status %d):\n  %s\n%.*s%s%s%s", what,
			 r.timed_out ? "timed out" : "failed", r.status, cmd,
			 cut ? 2500 : (int)r.err_len, r.err, cut ? "\n[...]\n" : "",
			 cut ? r.err + r.err_len - 1500 : "", r.out_len < 2000 ? r.out : "");
	}
	cmd_result_free(&r);
	free(cmd);
	return ok;
}

/*
 * Fetch a Debian source package; on failure, SKIP with fetch-src.sh's reason.
 * *dir is malloc'd.
 */
enum test_result fetch_src(const char *pkg, const char *suite, char **dir)
{
	struct cmd_result r;
	char *nl;

	if (run_cmd(&r, 300, "'%s/selftests/fetch-src.sh' %s %s", upstare_src_dir(), pkg, suite))
		return test_skip("cannot run fetch-src.sh");
	if (r.status != 0 || !r.out_len) {
		test_log("%s", r.err);
		nl = strchr(r.err, '\n');
		if (nl)
			*nl = 0;
		test_skip("source package %s (%s) unavailable: %s", pkg, suite,
			  r.err_len ? r.err : "fetch-src.sh failed");
		cmd_result_free(&r);
		return TEST_SKIP;
	}
	nl = strchr(r.out, '\n');
	if (nl)
		*nl = 0;
	*dir = strdup(r.out);
	cmd_result_free(&r);
	return TEST_PASS;
}


int loopback_free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof(a)) &&
	    !getsockname(fd, (struct sockaddr *)&a, &len))
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

int loopback_connect(int port, int timeout_s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = timeout_s };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

bool maps_have(pid_t pid, const char *path)
{
	char maps[64], line[1024];
	bool found = false;
	FILE *f;

	snprintf(maps, sizeof(maps), "/proc/%d/maps", (int)pid);
	f = fopen(maps, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *p = strchr(line, '/');

		found = p && !strncmp(p, path, strlen(path)) && p[strlen(path)] == '\n';
	}
	if (f)
		fclose(f);
	return found;
}

unsigned long selftest_rebuilds(const char *s, unsigned *nreports)
{
	static const char key[] = "upstare: ";
	unsigned long total = 0;

	*nreports = 0;
	for (const char *p = s; p && (p = strstr(p, key)); p += sizeof(key) - 1) {
		char *end;
		unsigned long n = strtoul(p + sizeof(key) - 1, &end, 10);

		if (end != p + sizeof(key) - 1 && !strncmp(end, " stack rebuilds", 15)) {
			total += n;
			(*nreports)++;
		}
	}
	return total;
}
