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
 * anon_root.  The small FTP client of ftpclient.c drives two sessions, one
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
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ftpclient.h"
#include "test.h"
#include "vsftpdlib.h"

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
	s->blob = vsftpd_blob(s->blob_len, 42);
	s->text = make_text(&s->text_len);
	s->nested = strdup("nested file\n");
	if (!s->blob || !s->text || !s->nested)
		return -ENOMEM;
	s->nested_len = strlen(s->nested);

	snprintf(path, sizeof(path), "%s/sub", root);
	if (mkdir(path, 0755))
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

/* ---------------------------------------------------------- the session */

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

	if (!ASSERT_OK(ftp_open(&a, fd, log), label) || !ftp_login(&a, label))
		goto out;
	fprintf(log, "--- second session\n");
	if (!ASSERT_OK(ftp_open(&b, loopback_connect(port, FTP_IO_TIMEOUT_S), log), label) ||
	    !ftp_login(&b, label) ||
	    !ASSERT_EQ(ftp_cmd(&b, "TYPE I"), 200, label) ||
	    !ftp_retr_check(&b, label, "blob.bin", s->blob, s->blob_len) ||
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
	if (!ftp_retr_check(&a, label, "text.txt", s->text, s->text_len) ||
	    !ftp_retr_check(&a, label, "sub/nested.txt", s->nested, s->nested_len))
		goto out;
	if (!ASSERT_EQ(ftp_cmd(&a, "REST 1000"), 350, label) ||
	    !ftp_retr_check(&a, label, "blob.bin", s->blob + 1000, s->blob_len - 1000))
		goto out;
	ascii = crlf(s->text, s->text_len, &ascii_len);
	if (!ASSERT_EQ(ftp_cmd(&a, "TYPE A"), 200, label) ||
	    !ftp_retr_check(&a, label, "text.txt", ascii, ascii_len) ||
	    !ASSERT_EQ(ftp_cmd(&a, "TYPE I"), 200, label))
		goto out;
	if (!listing(&a, label, "LIST", "blob.bin") ||
	    !listing(&a, label, "LIST -la sub", "nested.txt") ||
	    !listing(&a, label, "NLST", "text.txt"))
		goto out;
	if (!ASSERT_EQ(ftp_cmd(&a, "CWD sub"), 250, label))
		goto out;
	ftp_cmd(&a, "PWD");
	if (!ftp_retr_check(&a, label, "nested.txt", s->nested, s->nested_len) ||
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
	struct vsftpd srv = { 0 };
	char path[512];
	size_t len;
	FILE *log;
	bool ok = false;
	int fd;

	*transcript = NULL;
	log = open_memstream(transcript, &len);
	if (!log)
		return false;
	if (!vsftpd_serve(&srv, bin, dir, mode->name, root, empty, mode->settings, label, &fd))
		goto out;
	ok = session(fd, srv.port, s, label, log);
	if (!ok)
		vsftpd_log_tail(&srv);
out:
	vsftpd_stop(&srv);
	fclose(log);
	/* kept with UPSTARE_KEEP_TMP, for a look at a failure */
	snprintf(path, sizeof(path), "%s/%s.transcript", dir, mode->name);
	write_file(path, *transcript, len);
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

static enum test_result real_vsftpd(struct test_ctx *ctx)
{
	const char *cc[NVARIANTS] = { plain_cc(), upstare_cc() };
	char *dirs[NVARIANTS] = { NULL, NULL }, *bins[NVARIANTS] = { NULL, NULL };
	char *src = NULL, *root = NULL, *empty = NULL, what[64];
	struct served s = { 0 };
	enum test_result res;
	int v;

	res = vsftpd_prepare(ctx, &src, &root, &empty);
	if (res != TEST_PASS)
		goto out;
	res = TEST_FAIL;
	if (!ASSERT_OK(populate_root(root, &s), "populate anon_root"))
		goto out;

	for (v = 0; v < NVARIANTS; v++) {
		if (asprintf(&dirs[v], "%s/%s", ctx->tmpdir, v == PLAIN ? "plain" : "instr") < 0 ||
		    asprintf(&bins[v], "%s/vsftpd", dirs[v]) < 0)
			goto out;
		snprintf(what, sizeof(what), "%s build of vsftpd", variant_name[v]);
		if (!vsftpd_build(src, dirs[v], cc[v], what, NULL))
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
