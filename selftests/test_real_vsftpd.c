// SPDX-License-Identifier: GPL-2.0
/*
 * vsftpd built plain and with upstare-cc must serve the same files and say
 * the same things.
 *
 * The trixie source package (3.0.5; bookworm's is not served any more) is
 * built with its own Makefile, `make CC=... CFLAGS=-O2`, without TCP
 * wrappers, PAM and SSL: builddefs.h of the fetched copy is edited at build
 * time, the way a packager would.  The Makefile's own link line (-Wl,-s,
 * libraries found by vsf_findlibs.sh) is kept.
 *
 * Each build is started on 127.0.0.1 (background=NO, a free port) in three
 * process models: the default privilege-separated two-process model (a
 * privileged parent and a chrooted child per session), one_process_model
 * and run_as_launching_user.  Anonymous read-only access serves a temporary
 * anon_root.  A small FTP client in this file drives two sessions, one
 * opened while the other is logged in, through login, SYST, FEAT, PWD, CWD,
 * SIZE, MDTM, binary and ASCII RETR, REST, LIST, NLST, STAT, refused writes
 * and unknown commands.  Every downloaded file must match the file on disk
 * byte for byte (with LF turned into CRLF in ASCII mode), and the control
 * channel transcript of the instrumented server must equal the plain one,
 * passive-mode addresses aside.
 *
 * The privilege-separated and one-process models need root: the test SKIPs
 * without it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test.h"

#define BUILD_TIMEOUT	420
#define IO_TIMEOUT_S	10
#define BLOB_SIZE	(3 << 20)

enum variant { PLAIN, INSTR, NVARIANTS };
static const char *const variant_name[NVARIANTS] = { "plain", "instrumented" };

/* The settings that select a process model; the rest of the config is common. */
struct ftp_mode {
	const char *name;
	const char *settings;
};

static const struct ftp_mode ftp_modes[] = {
	{ "two-process", "" },
	{ "one-process", "one_process_model=YES\n" },
	{ "launching-user", "run_as_launching_user=YES\n" },
};

/* ------------------------------------------------------------ the files */

struct served {
	char *blob, *text, *nested;
	size_t blob_len, text_len, nested_len;
};

static char *make_blob(size_t n)
{
	uint64_t x = 42;
	char *b = malloc(n);

	for (size_t i = 0; b && i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i] = (char)(x >> 56);
	}
	return b;
}

static char *make_text(size_t *len)
{
	char *t = NULL;
	size_t cap = 0;
	FILE *f = open_memstream(&t, &cap);

	if (!f)
		return NULL;
	for (int i = 0; i < 500; i++)
		fprintf(f, "%04d the quick brown fox jumps over the lazy dog%s\n", i,
			i % 7 ? "" : "  (with trailing spaces)  ");
	fclose(f);
	*len = cap;
	return t;
}

static int populate_root(const char *root, struct served *s)
{
	char path[512];
	int err;

	s->blob_len = BLOB_SIZE;
	s->blob = make_blob(s->blob_len);
	s->text = make_text(&s->text_len);
	s->nested = strdup("nested file\n");
	if (!s->blob || !s->text || !s->nested)
		return -ENOMEM;
	s->nested_len = strlen(s->nested);

	snprintf(path, sizeof(path), "%s/sub", root);
	if (mkdir(root, 0755) || mkdir(path, 0755))
		return -errno;
	snprintf(path, sizeof(path), "%s/blob.bin", root);
	err = write_file(path, s->blob, s->blob_len);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/text.txt", root);
	err = write_file(path, s->text, s->text_len);
	if (err)
		return err;
	snprintf(path, sizeof(path), "%s/sub/nested.txt", root);
	return write_file(path, s->nested, s->nested_len);
}

static void served_free(struct served *s)
{
	free(s->blob);
	free(s->text);
	free(s->nested);
}

/* What an ASCII-mode download of LF-terminated text must be. */
static char *crlf(const char *text, size_t len, size_t *out_len)
{
	char *out = malloc(2 * len + 1);
	size_t n = 0;

	for (size_t i = 0; out && i < len; i++) {
		if (text[i] == '\n')
			out[n++] = '\r';
		out[n++] = text[i];
	}
	*out_len = n;
	return out;
}

/* ----------------------------------------------------------- the server */

struct server {
	pid_t pid;
	int port;
	char log[512];
};

static int write_config(const char *path, const char *root, const char *empty, int port,
			const struct ftp_mode *mode)
{
	char *conf;
	int n, err;

	n = asprintf(&conf,
		     "listen=YES\n"
		     "listen_ipv6=NO\n"
		     "listen_address=127.0.0.1\n"
		     "listen_port=%d\n"
		     "background=NO\n"
		     "anonymous_enable=YES\n"
		     "anon_root=%s\n"
		     "local_enable=NO\n"
		     "write_enable=NO\n"
		     "ascii_download_enable=YES\n"
		     "pasv_enable=YES\n"
		     "xferlog_enable=NO\n"
		     "use_localtime=NO\n"
		     "nopriv_user=nobody\n"
		     /* anonymous sessions need a user whose home exists */
		     "ftp_username=daemon\n"
		     "secure_chroot_dir=%s\n"
		     "%s",
		     port, root, empty, mode->settings);
	if (n < 0)
		return -ENOMEM;
	err = write_file(path, conf, n);
	free(conf);
	return err;
}

static int server_stop(struct server *s)
{
	int status = 0;

	if (s->pid <= 0)
		return 0;
	kill(-s->pid, SIGTERM);
	for (int i = 0; i < 100; i++) {
		if (waitpid(s->pid, &status, WNOHANG) == s->pid)
			goto out;
		usleep(20000);
	}
	kill(-s->pid, SIGKILL);
	waitpid(s->pid, &status, 0);
out:
	kill(-s->pid, SIGKILL);
	s->pid = 0;
	return status;
}

static int server_start(struct server *s, const char *bin, const char *conf)
{
	int fd;

	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		setpgid(0, 0);
		fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, bin, conf, (char *)NULL);
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	return 0;
}

static void server_log_tail(const struct server *s)
{
	char *log = read_file(s->log, NULL);

	test_log("server log %s:\n%s", s->log, log ? log : "(unreadable)");
	free(log);
}

/* ----------------------------------------------------------- the client */

struct ftp {
	int fd;
	char buf[4096];
	size_t len;
	FILE *log;		/* the transcript */
	int pasv_port;
};

static int connect_port(int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	struct timeval tv = { .tv_sec = IO_TIMEOUT_S };
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
 * Read a reply, multi-line ones included, into the transcript.  The address
 * of a 227 reply changes from run to run, so it is recorded as <addr> and its
 * port kept for the data connection.  Returns the code, or -1.
 */
static int ftp_reply(struct ftp *c)
{
	char line[1024], *p;
	int code = -1;
	unsigned int h[6];

	for (;;) {
		if (ftp_line(c, line, sizeof(line)) < 0) {
			fprintf(c->log, "< (connection closed)\n");
			return -1;
		}
		if (code < 0 && sscanf(line, "%3d", &code) != 1) {
			fprintf(c->log, "< (malformed) %s\n", line);
			return -1;
		}
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

static int ftp_cmd(struct ftp *c, const char *fmt, ...)
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

/* Start a session on a connected socket (or a -errno from connect_port). */
static int ftp_open(struct ftp *c, int fd, FILE *log)
{
	memset(c, 0, sizeof(*c));
	c->log = log;
	c->fd = fd;
	if (fd < 0)
		return fd;
	return ftp_reply(c) == 220 ? 0 : -EPROTO;
}

static void ftp_close(struct ftp *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/*
 * A command with a passive data connection (RETR, LIST, NLST).  The data is
 * returned in *data; the transcript records its size, and its text for
 * listings.  Returns the final reply code.
 */
static int ftp_data_cmd(struct ftp *c, bool listing, char **data, size_t *len,
			const char *fmt, ...)
{
	char cmd[512], chunk[65536];
	size_t cap = 0;
	FILE *out;
	va_list ap;
	int dfd, code;
	ssize_t n;

	*data = NULL;
	*len = 0;
	if (ftp_cmd(c, "PASV") != 227)
		return -1;
	dfd = connect_port(c->pasv_port);
	if (dfd < 0) {
		fprintf(c->log, "(data connection failed: %s)\n", strerror(-dfd));
		return -1;
	}
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	code = ftp_cmd(c, "%s", cmd);
	if (code != 125 && code != 150) {
		close(dfd);
		return code;
	}
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

/* ---------------------------------------------------------- the session */

static bool same_bytes(const char *what, const char *got, size_t got_len,
		       const char *want, size_t want_len)
{
	size_t i = 0;

	if (got && got_len == want_len && !memcmp(got, want, want_len))
		return true;
	while (got && i < got_len && i < want_len && got[i] == want[i])
		i++;
	return test_fail_at(__FILE__, __LINE__, "%s: got %zu bytes, want %zu, first difference at %zu",
			    what, got ? got_len : 0, want_len, i);
}

static bool retr_check(struct ftp *c, const char *label, const char *file,
		       const char *want, size_t want_len)
{
	char what[256], *data;
	size_t len;
	int code;
	bool ok;

	code = ftp_data_cmd(c, false, &data, &len, "RETR %s", file);
	snprintf(what, sizeof(what), "%s: RETR %s", label, file);
	ok = ASSERT_EQ(code, 226, what) && same_bytes(what, data, len, want, want_len);
	free(data);
	return ok;
}

static bool listing(struct ftp *c, const char *label, const char *cmd, const char *needle)
{
	char what[256], *data;
	size_t len;
	int code;
	bool ok;

	code = ftp_data_cmd(c, true, &data, &len, "%s", cmd);
	snprintf(what, sizeof(what), "%s: %s", label, cmd);
	ok = ASSERT_EQ(code, 226, what) && ASSERT_STRSTR(data, needle, what);
	free(data);
	return ok;
}

static bool login(struct ftp *c, const char *label)
{
	return ASSERT_EQ(ftp_cmd(c, "USER anonymous"), 331, label) &&
	       ASSERT_EQ(ftp_cmd(c, "PASS selftest@"), 230, label);
}

/*
 * Two sessions: B logs in and downloads while A is logged in and idle, then
 * A runs through the commands.  Replies that must not succeed are checked
 * through the transcript comparison.  A starts on the connection that found
 * the server ready, so that no other session exists when it starts: STAT
 * reports the client count at session startup.
 */
static bool session(int fd, int port, const struct served *s, const char *label, FILE *log)
{
	struct ftp a = { .fd = -1 }, b = { .fd = -1 };
	char *ascii = NULL, *data = NULL;
	size_t ascii_len, len;
	bool ok = false;

	if (!ASSERT_OK(ftp_open(&a, fd, log), label) || !login(&a, label))
		goto out;
	fprintf(log, "--- second session\n");
	if (!ASSERT_OK(ftp_open(&b, connect_port(port), log), label) || !login(&b, label) ||
	    !ASSERT_EQ(ftp_cmd(&b, "TYPE I"), 200, label) ||
	    !retr_check(&b, label, "blob.bin", s->blob, s->blob_len) ||
	    !ASSERT_EQ(ftp_cmd(&b, "QUIT"), 221, label))
		goto out;
	fprintf(log, "--- first session\n");
	ftp_cmd(&a, "SYST");
	ftp_cmd(&a, "FEAT");
	ftp_cmd(&a, "PWD");
	if (!ASSERT_EQ(ftp_cmd(&a, "TYPE I"), 200, label))
		goto out;
	ftp_cmd(&a, "SIZE blob.bin");
	ftp_cmd(&a, "SIZE text.txt");
	ftp_cmd(&a, "MDTM text.txt");
	if (!retr_check(&a, label, "text.txt", s->text, s->text_len) ||
	    !retr_check(&a, label, "sub/nested.txt", s->nested, s->nested_len))
		goto out;
	if (!ASSERT_EQ(ftp_cmd(&a, "REST 1000"), 350, label) ||
	    !retr_check(&a, label, "blob.bin", s->blob + 1000, s->blob_len - 1000))
		goto out;
	ascii = crlf(s->text, s->text_len, &ascii_len);
	if (!ASSERT_EQ(ftp_cmd(&a, "TYPE A"), 200, label) ||
	    !retr_check(&a, label, "text.txt", ascii, ascii_len) ||
	    !ASSERT_EQ(ftp_cmd(&a, "TYPE I"), 200, label))
		goto out;
	if (!listing(&a, label, "LIST", "blob.bin") ||
	    !listing(&a, label, "LIST -la sub", "nested.txt") ||
	    !listing(&a, label, "NLST", "text.txt"))
		goto out;
	if (!ASSERT_EQ(ftp_cmd(&a, "CWD sub"), 250, label))
		goto out;
	ftp_cmd(&a, "PWD");
	if (!retr_check(&a, label, "nested.txt", s->nested, s->nested_len) ||
	    !ASSERT_EQ(ftp_cmd(&a, "CDUP"), 250, label))
		goto out;
	ftp_cmd(&a, "CWD /no/such/dir");
	ftp_data_cmd(&a, false, &data, &len, "RETR missing.txt");
	free(data);
	ftp_cmd(&a, "STOR upload.bin");
	ftp_cmd(&a, "MKD newdir");
	ftp_cmd(&a, "DELE text.txt");
	ftp_cmd(&a, "STAT");
	ftp_cmd(&a, "STAT text.txt");
	ftp_cmd(&a, "HELP");
	ftp_cmd(&a, "NOOP");
	ftp_cmd(&a, "BOGUS command");
	ok = ASSERT_EQ(ftp_cmd(&a, "QUIT"), 221, label);
out:
	free(ascii);
	ftp_close(&a);
	ftp_close(&b);
	return ok;
}

/* Start a server, wait until it accepts, run the sessions, stop it. */
static bool serve_and_fetch(const char *bin, const char *dir, const char *root,
			    const char *empty, const struct ftp_mode *mode,
			    const struct served *s, const char *label, char **transcript)
{
	struct server srv = { 0 };
	char conf[512];
	size_t len;
	FILE *log;
	bool ok = false;
	int fd = -1, status;

	*transcript = NULL;
	log = open_memstream(transcript, &len);
	if (!log)
		return false;
	snprintf(conf, sizeof(conf), "%s/%s.conf", dir, mode->name);
	snprintf(srv.log, sizeof(srv.log), "%s/%s.log", dir, mode->name);
	/* the port is free when we look; if vsftpd loses the race, try another */
	for (int attempt = 0; attempt < 5 && fd < 0; attempt++) {
		srv.port = loopback_free_port();
		if (!ASSERT_OK(write_config(conf, root, empty, srv.port, mode), "config") ||
		    !ASSERT_OK(server_start(&srv, bin, conf), "start vsftpd"))
			goto out;
		for (int i = 0; i < 500; i++) {
			fd = connect_port(srv.port);
			if (fd >= 0)
				break;
			if (waitpid(srv.pid, &status, WNOHANG) == srv.pid) {
				test_log("%s: vsftpd exited with status 0x%x", label, status);
				kill(-srv.pid, SIGKILL);
				srv.pid = 0;
				break;
			}
			usleep(10000);
		}
		if (fd < 0) {
			server_log_tail(&srv);
			server_stop(&srv);
		}
	}
	if (!ASSERT_TRUE(fd >= 0, label))
		goto out;
	ok = session(fd, srv.port, s, label, log);
	if (!ok)
		server_log_tail(&srv);
out:
	server_stop(&srv);
	fclose(log);
	/* kept with UPSTARE_KEEP_TMP, for a look at a failure */
	snprintf(conf, sizeof(conf), "%s/%s.transcript", dir, mode->name);
	write_file(conf, *transcript, len);
	return ok;
}

/* Report the first line where two transcripts differ. */
static bool same_transcript(const char *label, const char *plain, const char *instr)
{
	const char *p = plain, *q = instr;
	int line = 1;

	while (*p && *p == *q) {
		if (*p == '\n') {
			line++;
			plain = p + 1;
			instr = q + 1;
		}
		p++;
		q++;
	}
	if (!*p && !*q)
		return true;
	return test_fail_at(__FILE__, __LINE__,
			    "%s: transcripts differ from line %d:\n  plain: %.*s\n  instr: %.*s",
			    label, line, (int)strcspn(plain, "\n"), plain,
			    (int)strcspn(instr, "\n"), instr);
}

/* -------------------------------------------------------------- the test */

static bool build(const char *src, const char *dir, const char *cc, const char *vname)
{
	char what[64];

	snprintf(what, sizeof(what), "%s build of vsftpd", vname);
	return sh_ok(BUILD_TIMEOUT, what,
		     "rm -rf '%1$s' && cp -a '%2$s' '%1$s' && cd '%1$s' && "
		     "sed -i -e 's/^#define VSF_BUILD_TCPWRAPPERS.*/#undef VSF_BUILD_TCPWRAPPERS/' "
		     "-e 's/^#define VSF_BUILD_PAM.*/#undef VSF_BUILD_PAM/' "
		     "-e 's/^#define VSF_BUILD_SSL.*/#undef VSF_BUILD_SSL/' builddefs.h && "
		     "make -j2 CC='%3$s' CFLAGS=-O2 vsftpd",
		     dir, src, cc);
}

static enum test_result real_vsftpd(struct test_ctx *ctx)
{
	const char *cc[NVARIANTS] = { plain_cc(), upstare_cc() };
	char *dirs[NVARIANTS] = { NULL, NULL }, *bins[NVARIANTS] = { NULL, NULL };
	char *src = NULL, *root = NULL, *empty = NULL;
	struct served s = { 0 };
	enum test_result res;
	int v;

	if (!is_root())
		return test_skip("needs root: vsftpd chroots and drops privileges per session");
	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	res = fetch_src("vsftpd", "trixie", &src);
	if (res != TEST_PASS)
		return res;
	res = TEST_FAIL;

	/* the session processes run as nobody and daemon: they must reach these */
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0755), "chmod tmpdir") ||
	    asprintf(&root, "%s/anon", ctx->tmpdir) < 0 ||
	    asprintf(&empty, "%s/empty", ctx->tmpdir) < 0 ||
	    !ASSERT_OK(populate_root(root, &s), "populate anon_root") ||
	    !ASSERT_OK(mkdir(empty, 0755), "mkdir secure_chroot_dir"))
		goto out;

	for (v = 0; v < NVARIANTS; v++) {
		if (asprintf(&dirs[v], "%s/%s", ctx->tmpdir, v == PLAIN ? "plain" : "instr") < 0 ||
		    asprintf(&bins[v], "%s/vsftpd", dirs[v]) < 0)
			goto out;
		if (!build(src, dirs[v], cc[v], variant_name[v]))
			goto out;
	}

	for (size_t m = 0; m < sizeof(ftp_modes) / sizeof(ftp_modes[0]); m++) {
		char *transcript[NVARIANTS] = { NULL, NULL }, label[128];
		bool ok = true;

		for (v = 0; v < NVARIANTS && ok; v++) {
			snprintf(label, sizeof(label), "%s vsftpd, %s", variant_name[v],
				 ftp_modes[m].name);
			ok = serve_and_fetch(bins[v], dirs[v], root, empty, &ftp_modes[m], &s,
					     label, &transcript[v]);
			if (!ok)
				test_log("%s: transcript:\n%s", label, transcript[v]);
		}
		snprintf(label, sizeof(label), "%s model", ftp_modes[m].name);
		ok = ok && same_transcript(label, transcript[PLAIN], transcript[INSTR]);
		if (ok)
			test_log("%s: identical transcripts (%zu bytes)", label,
				 strlen(transcript[PLAIN]));
		free(transcript[PLAIN]);
		free(transcript[INSTR]);
		if (!ok)
			goto out;
	}
	res = TEST_PASS;
out:
	for (v = 0; v < NVARIANTS; v++) {
		free(dirs[v]);
		free(bins[v]);
	}
	served_free(&s);
	free(empty);
	free(root);
	free(src);
	return res;
}

REAL_TEST(vsftpd, real_vsftpd)
