// SPDX-License-Identifier: GPL-2.0
/*
 * update/chroot: vsftpd's process model.  A listener (root, not chrooted)
 * and its session, which chroot()ed into an empty directory (no /proc, no
 * patch in its view) and dropped its privileges to nobody, are updated in
 * one step (--tree).  The patch is mode 0600 as well: the session could
 * not read it by its path even if it could see it.  Both apply it.  After
 * the update the session runs version 2 in its jail as nobody, with as many
 * descriptors open as version 1 had (none of them a directory: nothing
 * leads out), cannot open the file outside the jail that the listener
 * opened before the fork, and sees an empty root and no /proc; the
 * listener still opens that file.  Both counters carry over.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char jail[512], patch[512], want[128];
	int fds = -1, dirs = -1;
	char *out = NULL, *parked = NULL, *p;
	struct upd u;

	if (!upd_init(&u, ctx, "chroot", &res))
		return res;
	u.tree = true;
	snprintf(jail, sizeof(jail), "%s/jail", ctx->tmpdir);
	snprintf(patch, sizeof(patch), "%s/v2.so", ctx->tmpdir);
	if (!ASSERT_OK(mkdir(jail, 0755), "mkdir jail") || !upd_prepare(&u, "v2/prog.c") ||
	    !ASSERT_OK(chmod(patch, 0600), "chmod 600 v2.so") || !upd_run(&u, "v1 n=5\n") ||
	    !upd_wait(&u, "v1 listener m=5\n", 0, 10))
		goto out;
	out = upd_output(&u, NULL);
	p = strstr(out, "v1 jailed uid=65534 fds=");
	if (!ASSERT_STRSTR(out, "v1 open before the jail: ok\n", "the file is there") ||
	    !ASSERT_TRUE(p && sscanf(p, "v1 jailed uid=65534 fds=%d dirs=%d", &fds, &dirs) == 2,
			 "v1 jailed as nobody"))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !ASSERT_EQ(u.status, 0, "exit status"))
		goto out;
	parked = upd_field(&u, "parked");
	if (!ASSERT_STREQ(parked, "3", "listener (1 thread) and session (2) parked") ||
	    !upd_wait(&u, "v2 n=", 0, 10) || !upd_wait(&u, "v2 listener m=", 0, 10))
		goto out;
	upd_stop(&u);
	free(out);
	out = upd_output(&u, NULL);
	snprintf(want, sizeof(want), "v2 uid=65534 fds=%d dirs=%d\n", fds, dirs);
	if (!ASSERT_STRSTR(out, want, "v2 as nobody, no descriptor more than v1") ||
	    !ASSERT_EQ(dirs, 0, "no directory open") ||
	    !ASSERT_STRSTR(out, "v2 open: No such file or directory\n", "outside unreachable") ||
	    !ASSERT_STRSTR(out, "v2 root entries=0\n", "the jail's root") ||
	    !ASSERT_STRSTR(out, "v2 /proc: No such file or directory\n", "no /proc") ||
	    !ASSERT_STRSTR(out, "v2 listener open: ok\n", "the listener sees the file") ||
	    !ASSERT_EQ(upd_first_value(&u, "v2 n="), upd_last_value(&u, "v1 n=") + 1,
		       "session's counter carried over") ||
	    !ASSERT_EQ(upd_first_value(&u, "v2 listener m="),
		       upd_last_value(&u, "v1 listener m=") + 1, "listener's counter carried over"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	free(parked);
	free(out);
	return res;
}

UPDATE_TEST(chroot, run)
