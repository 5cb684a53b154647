// SPDX-License-Identifier: GPL-2.0
/*
 * update/make_objects: both versions are built by their own Makefile with
 * make CC=upstare-cc, counter.c into a static library, and the patch is
 * linked from what version 2's build made (upstare-cc --patch --base
 * v1/prog -o v2.so main.o libcounter.a): each object, in the archive too,
 * carries its preprocessed source, and the patch compiles it again as a
 * patch needs.  The update is applied (the thread waits inside the
 * archive's count_next()) and the counter, a static of counter.c, goes
 * on.  An upstare-cc object stripped of its source is refused with the
 * reason.
 */
#include <stdlib.h>
#include <string.h>

#include "updlib.h"

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	const char *d = ctx->tmpdir;
	struct cmd_result r = { 0 };
	struct upd u;
	long before;

	if (!upd_init(&u, ctx, "make_objects", &res))
		return res;
	if (!sh_ok(120, "make both versions",
		   "cp -r %1$s/selftests/updates/make_objects/v1 %1$s/selftests/updates/make_objects/v2 "
		   "%2$s/ && make -s -C %2$s/v1 CC=%3$s CFLAGS=-O2 && make -s -C %2$s/v2 CC=%3$s "
		   "CFLAGS=-O2", upstare_src_dir(), d, upstare_cc()) ||
	    !sh_ok(120, "patch from objects", "cd %s/v2 && %s --patch --base ../v1/prog -O2 "
		   "-pthread -o ../v2.so main.o libcounter.a && chmod 644 ../v2.so", d, upstare_cc()))
		goto out;
	run_cmd(&r, 60, "cd %1$s/v2 && llvm-objcopy-19 --remove-section .upstare_src counter.o "
		"bare.o && %2$s --patch --base ../v1/prog -o ../bare.so main.o bare.o", d,
		upstare_cc());
	if (!ASSERT_TRUE(r.status > 0 && r.err, "a stripped object refused") ||
	    !ASSERT_STRSTR(r.err, "bare.o: an upstare-cc object without its source",
			   "the refusal names the object"))
		goto out;
	if (!upd_start(&u, "v1/prog") || !upd_wait(&u, "v1 count 20\n", 0, 10) ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result"))
		goto out;
	before = upd_last_value(&u, "v1 count ");
	if (!upd_waitf(&u, 0, 10, "v2 count %ld\n", before + 1) ||
	    !upd_waitf(&u, 0, 10, "v2 count %ld\n", before + 20))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	cmd_result_free(&r);
	return res;
}

UPDATE_TEST(make_objects, run)
