// SPDX-License-Identifier: GPL-2.0
/* Building and running vsftpd for the real/vsftpd tests: see vsftpdlib.h. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ftpclient.h"
#include "test.h"
#include "vsftpdlib.h"

#define BUILD_TIMEOUT	420
#define MAX_PROCS	512

enum test_result vsftpd_prepare(struct test_ctx *ctx, char **src, char **root, char **empty)
{
	enum test_result res;

	*src = *root = *empty = NULL;
	if (!is_root())
		return test_skip("needs root: vsftpd chroots and drops privileges per session");
	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	res = fetch_src("vsftpd", "trixie", src);
	if (res != TEST_PASS)
		return res;
	if (!ASSERT_OK(chmod(ctx->tmpdir, 0755), "chmod tmpdir") ||
	    asprintf(root, "%s/anon", ctx->tmpdir) < 0 ||
	    asprintf(empty, "%s/empty", ctx->tmpdir) < 0 ||
	    !ASSERT_OK(mkdir(*root, 0755) ? -errno : 0, "mkdir anon_root") ||
	    !ASSERT_OK(mkdir(*empty, 0755) ? -errno : 0, "mkdir secure_chroot_dir"))
		return TEST_FAIL;
	return TEST_PASS;
}

bool vsftpd_build(const char *src, const char *dir, const char *cc, const char *what,
		  const char *edit)
{
	return sh_ok(BUILD_TIMEOUT, what,
		     "rm -rf '%1$s' && cp -a '%2$s' '%1$s' && cd '%1$s' && %4$s%5$s"
		     "sed -i -e 's/^#define VSF_BUILD_TCPWRAPPERS.*/#undef VSF_BUILD_TCPWRAPPERS/' "
		     "-e 's/^#define VSF_BUILD_PAM.*/#undef VSF_BUILD_PAM/' "
		     "-e 's/^#define VSF_BUILD_SSL.*/#undef VSF_BUILD_SSL/' builddefs.h && "
		     "make -j2 CC='%3$s' CFLAGS=-O2 vsftpd",
		     dir, src, cc, edit ? edit : "", edit ? " && " : "");
}

char *vsftpd_blob(size_t n, uint64_t seed)
{
	uint64_t x = seed;
	char *b = malloc(n);

	for (size_t i = 0; b && i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		b[i] = (char)(x >> 56);
	}
	return b;
}

static int write_config(const struct vsftpd *s, const char *root, const char *empty,
			const char *settings)
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
		     s->port, root, empty, settings);
	if (n < 0)
		return -ENOMEM;
	err = write_file(s->conf, conf, n);
	free(conf);
	return err;
}

/*
 * In its own process group, as updlib's upd_start does.  The sessions it
 * forks make groups of their own: vsftpd_stop finds them by their parent.
 * This process becomes a subreaper, so that a session whose parent is
 * killed first is still ours to reap; and the listener dies with this
 * process (the runner's time limit), after which its sessions end as
 * their clients, this process's sockets, close.
 */
static int start(struct vsftpd *s, const char *bin)
{
	int fd;

	if (prctl(PR_SET_CHILD_SUBREAPER, 1))
		return -errno;
	s->pid = fork();
	if (s->pid < 0)
		return -errno;
	if (s->pid == 0) {
		setpgid(0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(s->log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execl(bin, bin, s->conf, (char *)NULL);
		_exit(127);
	}
	setpgid(s->pid, s->pid);
	return 0;
}

static int wait_accepting(struct vsftpd *s, const char *label)
{
	int fd = -1, status;

	for (int i = 0; i < 500; i++) {
		fd = loopback_connect(s->port, FTP_IO_TIMEOUT_S);
		if (fd >= 0)
			return fd;
		if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
			test_log("%s: vsftpd exited with status 0x%x", label, status);
			kill(-s->pid, SIGKILL);
			s->pid = 0;
			return -1;
		}
		usleep(10000);
	}
	return -1;
}

bool vsftpd_serve(struct vsftpd *s, const char *bin, const char *dir, const char *name,
		  const char *root, const char *empty, const char *settings, const char *label,
		  int *fd)
{
	snprintf(s->conf, sizeof(s->conf), "%s/%s.conf", dir, name);
	snprintf(s->log, sizeof(s->log), "%s/%s.log", dir, name);
	*fd = -1;
	for (int attempt = 0; attempt < 5 && *fd < 0; attempt++) {
		s->port = loopback_free_port();
		if (!ASSERT_OK(write_config(s, root, empty, settings), "config") ||
		    !ASSERT_OK(start(s, bin), "start vsftpd"))
			return false;
		*fd = wait_accepting(s, label);
		if (*fd < 0) {
			vsftpd_log_tail(s);
			vsftpd_stop(s);
		}
	}
	return ASSERT_TRUE(*fd >= 0, label);
}

struct proc {
	pid_t pid, ppid;
};

static int list_procs(struct proc *p, int max)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;

	while (d && n < max && (e = readdir(d))) {
		char path[64], buf[512], *rp;
		pid_t pid = atoi(e->d_name);
		int fd;
		ssize_t len;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		len = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (len <= 0)
			continue;
		buf[len] = 0;
		/* "pid (comm) state ppid ...": comm may hold anything but the last ')' */
		rp = strrchr(buf, ')');
		if (rp && sscanf(rp + 1, " %*c %d", &p[n].ppid) == 1)
			p[n++].pid = pid;
	}
	if (d)
		closedir(d);
	return n;
}

int vsftpd_tree(pid_t pid, pid_t *out, int max)
{
	static struct proc procs[8192];
	int np = list_procs(procs, sizeof(procs) / sizeof(procs[0])), n = 0;

	if (max < 1)
		return 0;
	out[n++] = pid;
	for (int i = 0; i < n; i++)
		for (int j = 0; j < np && n < max; j++)
			if (procs[j].ppid == out[i])
				out[n++] = procs[j].pid;
	return n;
}

void vsftpd_stop(struct vsftpd *s)
{
	pid_t tree[MAX_PROCS];
	int n, left = 1;

	if (s->pid <= 0)
		return;
	n = vsftpd_tree(s->pid, tree, MAX_PROCS);
	kill(-s->pid, SIGKILL);
	for (int i = 0; i < n; i++)
		kill(tree[i], SIGKILL);
	waitpid(s->pid, NULL, 0);
	tree[0] = 0;
	/* sessions: reaped here once reparented to this subreaper, or gone */
	for (int tries = 0; tries < 300 && left; tries++) {
		left = 0;
		for (int i = 1; i < n; i++) {
			if (!tree[i])
				continue;
			if (waitpid(tree[i], NULL, WNOHANG) == tree[i] ||
			    (kill(tree[i], 0) && errno == ESRCH))
				tree[i] = 0;
			else
				left++;
		}
		if (left)
			usleep(10000);
	}
	if (left)
		test_log("vsftpd %d: %d session processes still there after 3 s", s->pid, left);
	s->pid = 0;
}

void vsftpd_log_tail(const struct vsftpd *s)
{
	char *log = read_file(s->log, NULL);

	test_log("server log %s:\n%s", s->log, log ? log : "(unreadable)");
	free(log);
}
