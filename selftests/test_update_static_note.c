// SPDX-License-Identifier: GPL-2.0
/*
 * update/static_note: three workers print through a static function to a
 * static FILE * opened at start-up, a fourth thread is blocked in read()
 * on a FIFO, main sleeps.  Version 2 changes only its strings, but its
 * source file has another name: its statics must continue the base's
 * (the patch used to give them new, zeroed storage: "applied", then a
 * crash on the NULL FILE *).  Afterwards every thread runs version 2 with
 * the state of version 1.
 */
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "updlib.h"

static bool fifo_path(struct upd *u, char *path, size_t n)
{
	char *out = upd_output(u, NULL), *p = strstr(out, "main ready fifo ");
	bool ok = p && sscanf(p, "main ready fifo %63s", path) == 1 && n >= 64;

	free(out);
	return ASSERT_TRUE(ok, "the FIFO's path printed");
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char fifo[64] = "", *nt = NULL;
	long before;
	int fd = -1;
	struct upd u;

	if (!upd_init(&u, ctx, "static_note", &res))
		return res;
	if (!upd_prepare(&u, "v2/server.c") || !upd_run(&u, "v1 main ready") ||
	    !fifo_path(&u, fifo, sizeof(fifo)) || !upd_wait(&u, "v1 worker 2 tick 5\n", 0, 10))
		goto out;
	if (!upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	nt = upd_field(&u, "parked");
	before = upd_last_value(&u, "v1 worker 0 tick ");
	if (!ASSERT_STREQ(nt, "5", "threads parked") ||
	    !upd_waitf(&u, 0, 10, "v2 worker 0 tick %ld\n", before + 3) ||
	    !upd_wait(&u, "v2 main tick ", 0, 10))
		goto out;
	fd = open(fifo, O_WRONLY | O_NONBLOCK);
	if (!ASSERT_TRUE(fd >= 0 && write(fd, "x", 1) == 1, "write to the FIFO") ||
	    !upd_wait(&u, "v2 fifo got x\n", 0, 10) ||
	    !ASSERT_TRUE(upd_alive(&u), "the program runs after the update"))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	if (fd >= 0)
		close(fd);
	if (fifo[0]) {
		unlink(fifo);
		rmdir(dirname(fifo));
	}
	free(nt);
	return res;
}

UPDATE_TEST(static_note, run)
