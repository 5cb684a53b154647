/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Building and running vsftpd for the real/vsftpd tests: the trixie source
 * package built by its own Makefile, a config for anonymous read-only
 * access on 127.0.0.1, a server started in its own process group and
 * stopped with every session process it made, by PID.
 */
#ifndef UPSTARE_VSFTPDLIB_H
#define UPSTARE_VSFTPDLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct test_ctx;

struct vsftpd {
	pid_t pid;		/* the listener, or 0 */
	int port;
	char conf[512];
	char log[512];		/* its stdout and stderr */
};

/*
 * What a vsftpd test needs first: root (vsftpd chroots and drops
 * privileges per session), upstare-cc and the trixie source package, or
 * it SKIPs; then, in the scratch directory, which the sessions (nobody
 * and daemon) must reach, *ROOT for anon_root and *EMPTY for
 * secure_chroot_dir.  *SRC is the unpacked source tree.  All three
 * malloc'd.  TEST_PASS when the test can go on.
 */
enum test_result vsftpd_prepare(struct test_ctx *ctx, char **src, char **root, char **empty);
/*
 * Copy the source tree SRC to DIR, run the shell commands EDIT there (or
 * NULL), leave TCP wrappers, PAM and SSL out of builddefs.h, and run
 * `make CC=CC CFLAGS=-O2 vsftpd`.  WHAT names the build in the log.
 */
bool vsftpd_build(const char *src, const char *dir, const char *cc, const char *what,
		  const char *edit);
/* N bytes of pseudo-random content (malloc'd), the same for the same SEED. */
char *vsftpd_blob(size_t n, uint64_t seed);
/*
 * Write DIR/NAME.conf (anon_root ROOT, secure_chroot_dir EMPTY, a free
 * port, then SETTINGS), start BIN on it with its output in DIR/NAME.log,
 * and wait until it accepts a connection; *fd is that connection.  The
 * port is free when it is chosen: if vsftpd loses it, another is tried.
 */
bool vsftpd_serve(struct vsftpd *s, const char *bin, const char *dir, const char *name,
		  const char *root, const char *empty, const char *settings, const char *label,
		  int *fd);
/* Kill the listener and every process below it; wait until all are gone. */
void vsftpd_stop(struct vsftpd *s);
/* test_log the server's output. */
void vsftpd_log_tail(const struct vsftpd *s);
/*
 * PID and the processes below it (found by their parent in /proc), PID
 * first, parents before their children: at most MAX in OUT.  Returns the
 * number found.
 */
int vsftpd_tree(pid_t pid, pid_t *out, int max);

#endif
