// SPDX-License-Identifier: GPL-2.0
/*
 * real/vsftpd_update: a live update of a running vsftpd with clients
 * connected, and back.
 *
 * Versions, from the trixie source package, each built by its own Makefile
 * with `make CC=upstare-cc CFLAGS=-O2 vsftpd` (TCP wrappers, PAM and SSL
 * left out of builddefs.h, as in real/vsftpd):
 *
 *   v1  upstream vsftpd 3.0.5, from the package's .orig.tar.gz: FEAT always
 *       lists UTF8, and every session starts in a new PID namespace;
 *   v2  the tree with Debian's patches applied: FEAT lists UTF8 only with
 *       utf8_filesystem=YES (debian/patches/0007-utf8.patch), and sessions
 *       are cloned without CLONE_NEWPID (0015-disable-clone-newpid.patch).
 *
 * So v1 -> v2 changes what a client sees and how the listener makes
 * sessions, and it changes the types of two globals: parseconf.c's tables
 * of settings grow, parseconf_bool_array from 84 entries to 85 (0007
 * inserts utf8_filesystem near the top) and parseconf_str_array by two
 * (0065).  Neither patch carries a line written by hand: the patch
 * generator converts both tables (they still hold their initial values, so
 * they take the new version's), and says so with --explain, which the test
 * checks.
 *
 * The patches are linked from the objects those builds made, with the
 * libraries of vsftpd's link line (vsf_findlibs.sh):
 *
 *   cd v2 && upstare-cc --patch --base ../v1/vsftpd -o ../v1-v2.so *.o $LIBS
 *   cd v1 && upstare-cc --patch --base ../v1-v2.so -o ../v2-v1.so *.o $LIBS
 *
 * the way back being built on the first patch (runtime.rst: the base of
 * the next patch is the last one applied).
 *
 * Deployment as Debian's: listen=YES, background=NO, a free port on
 * 127.0.0.1, anonymous read-only sessions in anon_root, isolate=YES and
 * isolate_network=YES, seccomp_sandbox=NO, a root-owned empty
 * secure_chroot_dir, the default two-process privilege separation (per
 * session a privileged process and a chrooted one running as nobody),
 * passive mode on loopback, and anon_max_rate so that a 3 MiB download
 * takes about eight seconds.  No transformer, no mount, nothing copied into
 * a chroot: the patch reaches the chrooted processes as a descriptor.
 *
 * Scenario: v1 runs; three sessions log in and stay idle (FEAT lists UTF8;
 * every session starts in a PID namespace of its own), a fourth downloads
 * 3 MiB of random bytes.  While the download is under way the patch that
 * must be refused is tried, then `upstarectl update --pid LISTENER --tree
 * --patch v1-v2.so --json` (direct) must say "applied" for all nine
 * processes, each parking its thread, before the download ends.  Then every
 * process of the tree maps the patch's code (libupstare's loader maps it
 * from the descriptor; /proc/PID/maps names the file), each idle session
 * answers PWD, NOOP and SYST, and FEAT without UTF8; the download completes
 * byte for byte; a new session gets FEAT without UTF8, downloads a file
 * correctly and was made without a new PID namespace.  Then v2-v1.so is
 * applied the same way: every process maps it, FEAT lists UTF8 again in
 * an idle session, in the session v2 made and in a new one, and the new
 * one is in a PID namespace of its own again.  The update JSONs are in the
 * log (-v).
 *
 * vsftpd forks a process group per session: the listener's whole tree is
 * killed by PID at the end (vsftpdlib.c).  Needs root: SKIPs without it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftpclient.h"
#include "json.h"
#include "updlib.h"
#include "vsftpdlib.h"

#define BIG_SIZE	(3 << 20)
#define SMALL_SIZE	(200 << 10)
#define RATE		(384 << 10)	/* anon_max_rate: BIG_SIZE in 8 s */
#define UPDATE_AFTER	(256 << 10)	/* bytes downloaded before the update */
#define IDLE		3
#define MAX_PROCS	64

/* The copy of the Debian tree replaced by the upstream release it patches. */
#define UPSTREAM_EDIT	"find . -mindepth 1 -delete && tar -xzf \"$(ls '%s'/../vsftpd_*.orig.tar.gz)\" " \
			"--strip-components=1"

/* A download in a thread of its own, with its progress. */
struct download {
	int port;
	const char *cmd;
	size_t want;
	char *data;
	atomic_size_t got;
	int code;		/* the final reply's, or -1 */
	char *transcript;
	size_t transcript_len;
	pthread_t thread;
};

static void *download_run(void *arg)
{
	struct download *d = arg;
	size_t cap = d->want + 65536;
	FILE *log = open_memstream(&d->transcript, &d->transcript_len);
	struct ftp c = { .fd = -1 };
	int dfd = -1;
	ssize_t n;

	d->code = -1;
	d->data = malloc(cap);
	if (!log || !d->data || ftp_open(&c, loopback_connect(d->port, FTP_IO_TIMEOUT_S), log) ||
	    ftp_cmd(&c, "USER anonymous") != 331 || ftp_cmd(&c, "PASS selftest@") != 230 ||
	    ftp_cmd(&c, "TYPE I") != 200)
		goto out;
	ftp_data_start(&c, &dfd, d->cmd);
	if (dfd < 0)
		goto out;
	while ((n = recv(dfd, d->data + d->got, cap - d->got, 0)) > 0)
		atomic_fetch_add(&d->got, n);
	if (n < 0)
		fprintf(log, "(data read failed: %s)\n", strerror(errno));
	close(dfd);
	fprintf(log, "[%zu bytes of data]\n", (size_t)d->got);
	d->code = ftp_reply(&c);
	ftp_cmd(&c, "QUIT");
out:
	ftp_close(&c);
	if (log)
		fclose(log);
	return NULL;
}

/* ------------------------------------------------------ what to look at */

/* PPid and the number of PID namespaces PID is in (NSpid's fields). */
static bool proc_status(pid_t pid, pid_t *ppid, int *levels)
{
	char path[64], *s, *p;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	s = read_file(path, NULL);
	*ppid = -1;
	*levels = 0;
	if (s && (p = strstr(s, "\nPPid:")))
		*ppid = atoi(p + 6);
	if (s && (p = strstr(s, "\nNSpid:"))) {
		p += 7;
		for (;;) {
			p += strspn(p, " \t");
			if (*p < '0' || *p > '9')
				break;
			(*levels)++;
			p += strspn(p, "0123456789");
		}
	}
	free(s);
	return *ppid > 0 && *levels > 0;
}

/*
 * The listener's children (one per session), each with the number of PID
 * namespaces it is in below the listener's: 1 when it was cloned with
 * CLONE_NEWPID, 0 when not.
 */
static int sessions_of(pid_t listener, pid_t *pids, int *levels, int max)
{
	pid_t tree[MAX_PROCS], ppid;
	int n = vsftpd_tree(listener, tree, MAX_PROCS), k = 0, own;

	if (!proc_status(listener, &ppid, &own))
		return 0;
	for (int i = 1; i < n && k < max; i++) {
		if (!proc_status(tree[i], &ppid, &levels[k]) || ppid != listener)
			continue;
		levels[k] -= own;
		pids[k++] = tree[i];
	}
	return k;
}

/* The one session made since KNOWN (NKNOWN of them) was listed, or -1. */
static pid_t new_session(pid_t listener, const pid_t *known, int nknown, int *levels)
{
	pid_t pids[MAX_PROCS], found = -1;
	int lv[MAX_PROCS], n = sessions_of(listener, pids, lv, MAX_PROCS);

	for (int i = 0; i < n; i++) {
		bool old = false;

		for (int j = 0; j < nknown; j++)
			old = old || pids[i] == known[j];
		if (old)
			continue;
		if (found > 0)
			return -1;
		found = pids[i];
		*levels = lv[i];
	}
	return found;
}

/* Does PID map PATH executable?  (A line of /proc/PID/maps: perms, ..., path.) */
static bool maps_code(pid_t pid, const char *path)
{
	char file[64], *maps, *line, *save = NULL;
	bool found = false;

	snprintf(file, sizeof(file), "/proc/%d/maps", pid);
	maps = read_file(file, NULL);
	for (line = maps ? strtok_r(maps, "\n", &save) : NULL; line && !found;
	     line = strtok_r(NULL, "\n", &save)) {
		char perms[8], *name = strchr(line, '/');

		found = name && !strcmp(name, path) && sscanf(line, "%*s %7s", perms) == 1 &&
			perms[2] == 'x';
	}
	free(maps);
	return found;
}

/* Every process of the listener's tree maps the patch's code. */
static bool tree_maps(pid_t listener, const char *patch, const char *what)
{
	pid_t tree[MAX_PROCS];
	int n = vsftpd_tree(listener, tree, MAX_PROCS);

	for (int i = 0; i < n; i++)
		if (!maps_code(tree[i], patch))
			return test_fail_at(__FILE__, __LINE__, "%s: pid %d (of %d in the tree) "
					    "does not map %s", what, tree[i], n, patch);
	return true;
}

/*
 * The update applied in every process of the tree, as the listing of
 * /proc shows it: each applied, each parked its thread, none left out.
 */
static bool applied_everywhere(struct upd *u, pid_t listener, int want_procs, const char *what)
{
	pid_t tree[MAX_PROCS];
	int n = vsftpd_tree(listener, tree, MAX_PROCS), listed = 0;
	char err[128];
	struct json *j = json_parse(u->json, err, sizeof(err)), *procs, *p;
	bool ok = ASSERT_TRUE(j != NULL, what) && ASSERT_EQ(u->status, 0, what) &&
		  ASSERT_EQ(n, want_procs, what);

	procs = j ? json_get(j, "processes") : NULL;
	for (p = procs ? procs->child : NULL; ok && p; p = p->next) {
		pid_t pid = json_int(p, "pid", -1);
		bool in_tree = false;

		for (int i = 0; i < n; i++)
			in_tree = in_tree || tree[i] == pid;
		listed++;
		ok = ASSERT_STREQ(json_str(p, "result"), "applied", what) &&
		     ASSERT_TRUE(json_int(p, "parked", 0) >= 1, what) && ASSERT_TRUE(in_tree, what);
	}
	ok = ok && ASSERT_EQ(listed, n, what);
	if (ok)
		test_log("%s: applied in all %d processes, pause_us %lld", what, n,
			 json_int(j, "pause_us", -1));
	json_free(j);
	return ok;
}

/* FEAT answers with the feature list, with UTF8 in it or not, as WANT says. */
static bool feat_utf8(struct ftp *c, bool want, const char *what)
{
	if (!ASSERT_EQ(ftp_cmd(c, "FEAT"), 211, what) || !ASSERT_STRSTR(c->reply, "\n PASV\n", what))
		return false;
	if (!!strstr(c->reply, "\n UTF8\n") == want)
		return true;
	return test_fail_at(__FILE__, __LINE__, "%s: FEAT %s UTF8:\n%s", what,
			    want ? "does not list" : "lists", c->reply);
}

/* An idle session still answers. */
static bool answers(struct ftp *c, const char *what)
{
	return ASSERT_EQ(ftp_cmd(c, "PWD"), 257, what) && ASSERT_STRSTR(c->reply, "\"/\"", what) &&
	       ASSERT_EQ(ftp_cmd(c, "NOOP"), 200, what) && ASSERT_EQ(ftp_cmd(c, "SYST"), 215, what);
}

/*
 * A new session, in version 1 or 2 as V1 says: it logs in, FEAT lists UTF8
 * only in v1, it downloads small.bin correctly, and the listener made it
 * in a PID namespace of its own only in v1 (0015).
 */
static bool fresh_session(struct ftp *c, pid_t listener, int port, FILE *log, bool v1,
			  const char *small, const char *what)
{
	pid_t known[MAX_PROCS], pid;
	int lv[MAX_PROCS], n = sessions_of(listener, known, lv, MAX_PROCS), levels = 0;

	if (!ASSERT_OK(ftp_open(c, loopback_connect(port, FTP_IO_TIMEOUT_S), log), what) ||
	    !ftp_login(c, what) ||
	    !feat_utf8(c, v1, what) || !ASSERT_EQ(ftp_cmd(c, "TYPE I"), 200, what) ||
	    !ftp_retr_check(c, what, "small.bin", small, SMALL_SIZE))
		return false;
	pid = new_session(listener, known, n, &levels);
	return ASSERT_TRUE(pid > 0, what) &&
	       ASSERT_EQ(levels, v1 ? 1 : 0, v1 ? "in a PID namespace of its own (v1)" :
			 "in the listener's PID namespace (v2)");
}

/* ------------------------------------------------------------- the test */

static bool build_all(struct test_ctx *ctx, const char *src)
{
	const char *d = ctx->tmpdir, *cc = upstare_cc();
	char v1[512], v2[512], edit[1024], path[600], *explain = NULL;
	bool ok;

	snprintf(v1, sizeof(v1), "%s/v1", d);
	snprintf(v2, sizeof(v2), "%s/v2", d);
	snprintf(edit, sizeof(edit), UPSTREAM_EDIT, src);
	ok = vsftpd_build(src, v1, cc, "v1 (upstream 3.0.5)", edit) &&
	     vsftpd_build(src, v2, cc, "v2 (Debian)", NULL) &&
	     sh_ok(300, "patch v1-v2.so", "cd %1$s/v2 && %2$s --patch --explain --base ../v1/vsftpd "
		   "-o ../v1-v2.so *.o $(./vsf_findlibs.sh) 2> ../v1-v2.explain && "
		   "chmod 644 ../v1-v2.so", d, cc) &&
	     sh_ok(300, "patch v2-v1.so", "cd %1$s/v1 && %2$s --patch --base ../v1-v2.so "
		   "-o ../v2-v1.so *.o $(./vsf_findlibs.sh) && chmod 644 ../v2-v1.so", d, cc);
	if (!ok)
		return false;
	snprintf(path, sizeof(path), "%s/v1-v2.explain", d);
	explain = read_file(path, NULL);
	test_log("upstare-cc --patch --explain:\n%s", explain ? explain : "(none)");
	ok = ASSERT_TRUE(explain != NULL, "--explain output") &&
	     ASSERT_STRSTR(explain, "global parseconf_bool_array ('struct parseconf_bool_setting[84]' "
			   "-> 'struct parseconf_bool_setting[85]'): converted by a generated "
			   "transformer", "the bool table converted") &&
	     ASSERT_STRSTR(explain, "global parseconf_str_array ('struct parseconf_str_setting[",
			   "the str table converted") &&
	     ASSERT_TRUE(!strstr(explain, "no conversion can be generated"), "all generated");
	free(explain);
	return ok;
}

static int populate_root(const char *root, char **big, char **small)
{
	char path[512];
	int err;

	*big = vsftpd_blob(BIG_SIZE, 7);
	*small = vsftpd_blob(SMALL_SIZE, 11);
	if (!*big || !*small)
		return -ENOMEM;
	snprintf(path, sizeof(path), "%s/big.bin", root);
	err = write_file(path, *big, BIG_SIZE);
	snprintf(path, sizeof(path), "%s/small.bin", root);
	return err ?: write_file(path, *small, SMALL_SIZE);
}

/* Sessions end after QUIT: wait until N are left. */
static bool wait_sessions(pid_t listener, int n, const char *what)
{
	pid_t pids[MAX_PROCS];
	int lv[MAX_PROCS], k = -1;

	for (int i = 0; i < 500 && k != n; i++) {
		k = sessions_of(listener, pids, lv, MAX_PROCS);
		if (k != n)
			usleep(10000);
	}
	return ASSERT_EQ(k, n, what);
}

static bool wait_progress(struct download *d, size_t bytes)
{
	for (int i = 0; i < 1000 && d->got < bytes; i++)
		usleep(10000);
	return d->got >= bytes ||
	       test_fail_at(__FILE__, __LINE__, "download: %zu bytes after 10 s, want %zu before "
			    "the update", (size_t)d->got, bytes);
}

static enum test_result run(struct test_ctx *ctx)
{
	struct download dl = { .cmd = "RETR big.bin", .want = BIG_SIZE, .code = -1 };
	struct ftp idle[IDLE], v2s = { .fd = -1 }, c = { .fd = -1 };
	char *src = NULL, *root = NULL, *empty = NULL, *big = NULL, *small = NULL;
	char *transcript = NULL, settings[256], path[512], what[64];
	pid_t sessions[MAX_PROCS];
	int levels[MAX_PROCS], nsess, fd;
	enum test_result res = TEST_FAIL;
	struct vsftpd srv = { 0 };
	bool started = false;
	size_t len, at_update;
	FILE *log = NULL;
	struct upd u;

	for (int i = 0; i < IDLE; i++)
		idle[i].fd = -1;
	res = vsftpd_prepare(ctx, &src, &root, &empty);
	if (res != TEST_PASS || !upd_init(&u, ctx, "vsftpd_update", &res))
		goto out;
	res = TEST_FAIL;
	log = open_memstream(&transcript, &len);
	if (!log || !ASSERT_OK(populate_root(root, &big, &small), "populate anon_root") ||
	    !build_all(ctx, src))
		goto out;

	/* v1, three idle sessions, one downloading */
	snprintf(settings, sizeof(settings), "isolate=YES\nisolate_network=YES\n"
		 "seccomp_sandbox=NO\nanon_max_rate=%d\n", RATE);
	snprintf(path, sizeof(path), "%s/v1/vsftpd", ctx->tmpdir);
	if (!vsftpd_serve(&srv, path, ctx->tmpdir, "vsftpd", root, empty, settings, "start v1",
			  &fd))
		goto out;
	for (int i = 0; i < IDLE; i++) {
		int cfd = i ? loopback_connect(srv.port, FTP_IO_TIMEOUT_S) : fd;

		snprintf(what, sizeof(what), "idle session %d in v1", i);
		if (!ASSERT_OK(ftp_open(&idle[i], cfd, log), what) ||
		    !ftp_login(&idle[i], what) || !feat_utf8(&idle[i], true, what))
			goto out;
	}
	dl.port = srv.port;
	if (!ASSERT_OK(pthread_create(&dl.thread, NULL, download_run, &dl), "download thread"))
		goto out;
	started = true;
	if (!wait_progress(&dl, UPDATE_AFTER))
		goto out;
	nsess = sessions_of(srv.pid, sessions, levels, MAX_PROCS);
	if (!ASSERT_EQ(nsess, IDLE + 1, "v1: sessions"))
		goto out;
	for (int i = 0; i < nsess; i++)
		if (!ASSERT_EQ(levels[i], 1, "v1: a session in a PID namespace of its own"))
			goto out;

	u.pid = srv.pid;
	u.tree = true;

	/* v1 -> v2 while the download goes on */
	if (!upd_expect(&u, "v1-v2.so", 5000, "applied", "v1 -> v2"))
		goto out;
	at_update = dl.got;
	test_log("v1 -> v2: applied with %zu of %d bytes downloaded", at_update, BIG_SIZE);
	snprintf(path, sizeof(path), "%s/v1-v2.so", ctx->tmpdir);
	if (!ASSERT_TRUE(at_update < BIG_SIZE, "the download still under way after the update") ||
	    !applied_everywhere(&u, srv.pid, 1 + 2 * (IDLE + 1), "v1 -> v2") ||
	    !tree_maps(srv.pid, path, "v1 -> v2"))
		goto out;
	for (int i = 0; i < IDLE; i++) {
		snprintf(what, sizeof(what), "idle session %d in v2", i);
		if (!answers(&idle[i], what) || !feat_utf8(&idle[i], false, what))
			goto out;
	}
	pthread_join(dl.thread, NULL);
	started = false;
	if (!ASSERT_EQ(dl.code, 226, "download across the update") ||
	    !ftp_same_bytes("download across the update", dl.data, dl.got, big, BIG_SIZE) ||
	    !wait_sessions(srv.pid, IDLE, "the download's session ended"))
		goto out;
	if (!fresh_session(&v2s, srv.pid, srv.port, log, false, small, "new session in v2") ||
	    !tree_maps(srv.pid, path, "v2, with a new session"))
		goto out;

	/* and back */
	if (!upd_expect(&u, "v2-v1.so", 5000, "applied", "v2 -> v1") ||
	    !applied_everywhere(&u, srv.pid, 1 + 2 * (IDLE + 1), "v2 -> v1"))
		goto out;
	snprintf(path, sizeof(path), "%s/v2-v1.so", ctx->tmpdir);
	if (!tree_maps(srv.pid, path, "v2 -> v1") ||
	    !answers(&idle[0], "idle session 0 back in v1") ||
	    !feat_utf8(&idle[0], true, "idle session 0 back in v1") ||
	    !feat_utf8(&v2s, true, "v2's session in v1"))
		goto out;
	if (!fresh_session(&c, srv.pid, srv.port, log, true, small, "new session back in v1"))
		goto out;
	for (int i = 0; i < IDLE; i++)
		if (!ASSERT_EQ(ftp_cmd(&idle[i], "QUIT"), 221, "QUIT"))
			goto out;
	res = TEST_PASS;
out:
	if (res == TEST_FAIL && srv.pid)
		vsftpd_log_tail(&srv);
	vsftpd_stop(&srv);
	if (started)
		pthread_join(dl.thread, NULL);
	for (int i = 0; i < IDLE; i++)
		ftp_close(&idle[i]);
	ftp_close(&v2s);
	ftp_close(&c);
	if (log)
		fclose(log);
	if (res == TEST_FAIL)
		test_log("transcript:\n%s\ndownload's transcript:\n%s", transcript ?: "",
			 dl.transcript ?: "");
	free(transcript);
	free(dl.transcript);
	free(dl.data);
	free(big);
	free(small);
	free(empty);
	free(root);
	free(src);
	return res;
}

REAL_TEST(vsftpd_update, run)
