// SPDX-License-Identifier: GPL-2.0
/* Talking to upstared over its UNIX socket (upstarectl, upstare-top). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "client.h"

const char *client_socket_path(void)
{
	return getenv("UPSTARE_SOCKET") ?: UPSTARE_DEFAULT_SOCKET;
}

int client_connect(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return fd;
}

struct json *client_request(int fd, const char *request, char *err, size_t errlen)
{
	size_t len = strlen(request), off = 0, cap = 65536;
	char *buf, *nl = NULL;
	struct json *j;

	while (off < len) {
		ssize_t n = send(fd, request + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		off += n;
	}
	/*
	 * A daemon that refuses the connection (permission, too many clients)
	 * says why and closes it, maybe before the request is sent: read what
	 * it said all the same.
	 */
	if (off < len || send(fd, "\n", 1, MSG_NOSIGNAL) != 1)
		snprintf(err, errlen, "send: %s", strerror(errno));
	buf = malloc(cap);
	off = 0;
	while (!nl) {
		ssize_t n;

		if (cap - off < 4096)
			buf = realloc(buf, cap *= 2);
		n = recv(fd, buf + off, cap - off - 1, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "upstared closed the connection%s%s",
				 n ? ": " : "", n ? strerror(errno) : "");
			free(buf);
			return NULL;
		}
		buf[off + n] = 0;
		nl = strchr(buf + off, '\n');
		off += n;
	}
	*nl = 0;
	j = json_parse(buf, err, errlen);
	free(buf);
	return j;
}

struct json *client_call(const char *prog, const char *request)
{
	const char *path = client_socket_path();
	char err[256];
	struct json *j;
	int fd = client_connect(path);

	if (fd < 0) {
		fprintf(stderr, "%s: cannot connect to upstared at %s: %s\n", prog, path,
			strerror(-fd));
		return NULL;
	}
	j = client_request(fd, request, err, sizeof(err));
	close(fd);
	if (!j)
		fprintf(stderr, "%s: %s\n", prog, err);
	return j;
}

bool client_number(FILE *err, const char *prog, const char *opt, const char *s, long min,
		   long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max) {
		fprintf(err, "%s: %s: '%s' is not a number from %ld to %ld\n", prog, opt, s, min,
			max);
		return false;
	}
	*out = v;
	return true;
}
