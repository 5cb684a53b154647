// SPDX-License-Identifier: GPL-2.0
/* A small FTP client for the real/vsftpd tests: see ftpclient.h. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ftpclient.h"
#include "test.h"

/* One CRLF-terminated line, without the terminator; -1 on EOF or timeout. */
static int ftp_line(struct ftp *c, char *line, size_t max)
{
	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		ssize_t n;

		if (nl) {
			size_t l = nl - c->buf;
			size_t copy = l < max - 1 ? l : max - 1;

			memcpy(line, c->buf, copy);
			if (copy && line[copy - 1] == '\r')
				copy--;
			line[copy] = 0;
			memmove(c->buf, nl + 1, c->len - l - 1);
			c->len -= l + 1;
			return (int)copy;
		}
		if (c->len == sizeof(c->buf))
			return -1;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return -1;
		c->len += n;
	}
}

/*
 * Read a reply, multi-line ones included, into the transcript and
 * c->reply.  The address of a 227 reply changes from run to run, so the
 * transcript records it as <addr>; its port is kept for the data
 * connection.  Returns the code, or -1.
 */
int ftp_reply(struct ftp *c)
{
	char line[1024], *p;
	size_t have = 0;
	int code = -1;
	unsigned int h[6];

	c->reply[0] = 0;
	for (;;) {
		if (ftp_line(c, line, sizeof(line)) < 0) {
			fprintf(c->log, "< (connection closed)\n");
			return -1;
		}
		if (code < 0 && sscanf(line, "%3d", &code) != 1) {
			fprintf(c->log, "< (malformed) %s\n", line);
			return -1;
		}
		have += snprintf(c->reply + have, have < sizeof(c->reply) ? sizeof(c->reply) - have : 0,
				 "%s\n", line);
		p = strchr(line, '(');
		if (!strncmp(line, "227 ", 4) && p &&
		    sscanf(p, "(%u,%u,%u,%u,%u,%u)", &h[0], &h[1], &h[2], &h[3], &h[4], &h[5]) == 6) {
			c->pasv_port = h[4] * 256 + h[5];
			fprintf(c->log, "< %.*s(<addr>)%s\n", (int)(p - line), line,
				strchr(p, ')') + 1);
		} else {
			fprintf(c->log, "< %s\n", line);
		}
		if (strlen(line) >= 4 && line[3] == ' ' && atoi(line) == code)
			return code;
	}
}

int ftp_cmd(struct ftp *c, const char *fmt, ...)
{
	char cmd[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(cmd, sizeof(cmd) - 2, fmt, ap);
	va_end(ap);
	fprintf(c->log, "> %s\n", cmd);
	memcpy(cmd + n, "\r\n", 2);
	if (send(c->fd, cmd, n + 2, MSG_NOSIGNAL) != n + 2) {
		fprintf(c->log, "(send failed: %s)\n", strerror(errno));
		return -1;
	}
	return ftp_reply(c);
}

int ftp_open(struct ftp *c, int fd, FILE *log)
{
	memset(c, 0, sizeof(*c));
	c->log = log;
	c->fd = fd;
	if (fd < 0)
		return fd;
	return ftp_reply(c) == 220 ? 0 : -EPROTO;
}

void ftp_close(struct ftp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

int ftp_data_start(struct ftp *c, int *dfd, const char *cmd)
{
	int code;

	*dfd = -1;
	if (ftp_cmd(c, "PASV") != 227)
		return -1;
	*dfd = loopback_connect(c->pasv_port, FTP_IO_TIMEOUT_S);
	if (*dfd < 0) {
		fprintf(c->log, "(data connection failed: %s)\n", strerror(-*dfd));
		*dfd = -1;
		return -1;
	}
	code = ftp_cmd(c, "%s", cmd);
	if (code != 125 && code != 150) {
		close(*dfd);
		*dfd = -1;
	}
	return code;
}

int ftp_data_cmd(struct ftp *c, bool listing, char **data, size_t *len, const char *fmt, ...)
{
	char cmd[512], chunk[65536];
	size_t cap = 0;
	FILE *out;
	va_list ap;
	int dfd, code;
	ssize_t n;

	*data = NULL;
	*len = 0;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	code = ftp_data_start(c, &dfd, cmd);
	if (dfd < 0)
		return code;
	out = open_memstream(data, &cap);
	if (!out) {
		close(dfd);
		return -1;
	}
	while ((n = recv(dfd, chunk, sizeof(chunk), 0)) > 0)
		fwrite(chunk, 1, n, out);
	if (n < 0)
		fprintf(c->log, "(data read failed: %s)\n", strerror(errno));
	close(dfd);
	fclose(out);
	*len = cap;
	fprintf(c->log, "[%zu bytes of data]\n", *len);
	if (listing)
		fprintf(c->log, "%s", *data);
	return ftp_reply(c);
}

bool ftp_login(struct ftp *c, const char *label)
{
	return ASSERT_EQ(ftp_cmd(c, "USER anonymous"), 331, label) &&
	       ASSERT_EQ(ftp_cmd(c, "PASS selftest@"), 230, label);
}

bool ftp_same_bytes(const char *what, const char *got, size_t got_len, const char *want,
		    size_t want_len)
{
	size_t i = 0;

	if (got && got_len == want_len && !memcmp(got, want, want_len))
		return true;
	while (got && i < got_len && i < want_len && got[i] == want[i])
		i++;
	return test_fail_at(__FILE__, __LINE__, "%s: got %zu bytes, want %zu, first difference at %zu",
			    what, got ? got_len : 0, want_len, i);
}

bool ftp_retr_check(struct ftp *c, const char *label, const char *file, const char *want,
		    size_t want_len)
{
	char what[256], *data;
	size_t len;
	int code;
	bool ok;

	code = ftp_data_cmd(c, false, &data, &len, "RETR %s", file);
	snprintf(what, sizeof(what), "%s: RETR %s", label, file);
	ok = ASSERT_EQ(code, 226, what) && ftp_same_bytes(what, data, len, want, want_len);
	free(data);
	return ok;
}
