// SPDX-License-Identifier: GPL-2.0
/*
 * instr-unroll/small_strips: a strip-mined loop with a small body is
 * unrolled (instrumentor.rst, "Loops"), one with a large body is not, and
 * neither is the copy the restore enters.  The pointer walk below is
 * printed twice (the loop and its copy): one unroll pragma; the long body
 * gets none.  selftests/cases/unrolled_strips.c checks that such loops
 * compute what the plain build computes.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char source[] =
	"long walk(const char *p, char c)\n"
	"{\n"
	"\tconst char *s = p;\n"
	"\twhile (*p && *p != c)\n"
	"\t\tp++;\n"
	"\treturn p - s;\n"
	"}\n"
	"long mix(const int *v, int n)\n"
	"{\n"
	"\tlong a = 0, b = 1, c = 2, d = 3;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\ta += v[i] * 3 + b;\n"
	"\t\tb ^= a >> 3 | (long)v[i] << 2;\n"
	"\t\tc -= b * 5 + a / 7;\n"
	"\t\td += c ^ (a + b) ^ (v[i] >> 1);\n"
	"\t\ta += d % 11;\n"
	"\t}\n"
	"\treturn a + b + c + d;\n"
	"}\n";

static enum test_result run_small_strips(struct test_ctx *ctx)
{
	struct cmd_result r = { 0 };
	char path[512];
	bool ok = false;

	snprintf(path, sizeof(path), "%s/u.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write u.c"))
		return TEST_FAIL;
	if (!sh_ok(120, "upstare-cc --keep", "cd '%s' && '%s' -O2 --keep -c u.c -o u.o",
		   ctx->tmpdir, upstare_cc()))
		return TEST_FAIL;
	/* the pragmas, and the function each is in */
	if (run_cmd(&r, 30, "cd '%s' && awk '/^long walk/ { f = \"walk\" } /^long mix/ "
		    "{ f = \"mix\" } /unroll_count\\(2\\)/ { print f }' u.upstare.c", ctx->tmpdir) ||
	    !ASSERT_EQ(r.status, 0, "read u.upstare.c"))
		goto out;
	ok = ASSERT_TRUE(strcmp(r.out, "walk\n") == 0,
			 "one unrolled strip, in walk(): not in its copy, not in mix()");
out:
	if (!ok)
		test_log("pragmas in: %s", r.out ? r.out : "");
	cmd_result_free(&r);
	return ok ? TEST_PASS : TEST_FAIL;
}

UPSTARE_GROUP_TEST("instr-unroll", small_strips, run_small_strips)
