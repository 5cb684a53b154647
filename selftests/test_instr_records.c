// SPDX-License-Identifier: GPL-2.0
/*
 * The saves as records (Documentation/instrumentor.rst, "Saves as
 * records").
 *
 * instr-records/section: a program built by default carries its stack-map
 * records (section upstare_maps), one built with --no-records does not,
 * and both print what the plain build prints, unwinding at every update
 * point.
 *
 * instr-records/fallback: when clang cannot compile the records (llc's
 * register allocator can run out of registers on a statepoint), upstare-cc
 * says so and compiles that file's saves as code: here a clang that fails
 * on every IR input (UPSTARE_CLANG), and the program must still build,
 * print the same, unwind, and have no records.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

static const char source[] =
	"#include <stdio.h>\n"
	"int step(int x);\n"
	"static int total(int n)\n"
	"{\n"
	"\tint s = 0;\n"
	"\tstruct { float re, im; } c = { 1.5f, -2.0f };\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\ts += step(i) * 3;\n"
	"\t\tc.re += c.im * 0.5f;\n"
	"\t}\n"
	"\treturn s + (int)c.re;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"\tprintf(\"%d\\n\", total(1000));\n"
	"\treturn 0;\n"
	"}\n";

static const char step_source[] =
	"int step(int x)\n"
	"{\n"
	"\tint r = 0;\n"
	"\tfor (int k = 0; k < (x & 7); k++)\n"
	"\t\tr += k ^ x;\n"
	"\treturn r;\n"
	"}\n";

/* A clang that fails on IR input, as llc does when it runs out of registers. */
static const char fake_clang[] =
	"#!/bin/sh\n"
	"for a in \"$@\"; do\n"
	"\t[ \"$a\" = ir ] && { echo 'error: ran out of registers during register "
	"allocation' >&2; exit 1; }\n"
	"done\n"
	"exec %s \"$@\"\n";

static bool write_sources(struct test_ctx *ctx)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/p.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write p.c"))
		return false;
	snprintf(path, sizeof(path), "%s/step.c", ctx->tmpdir);
	return ASSERT_OK(write_file(path, step_source, strlen(step_source)), "write step.c");
}

/* Build with env and flags, run plain-compared with an unwind at every point. */
static bool build_and_run(struct test_ctx *ctx, const char *name, const char *env,
			  const char *flags, bool want_maps, const char *want_err)
{
	struct cmd_result r = { 0 };
	bool ok = false;

	if (run_cmd(&r, 120, "cd '%s' && %s '%s' -O2 %s p.c step.c -o %s", ctx->tmpdir, env,
		    upstare_cc(), flags, name) ||
	    !ASSERT_EQ(r.status, 0, name))
		goto out;
	if (want_err && !ASSERT_TRUE(strstr(r.err, want_err) != NULL, "upstare-cc says why")) {
		test_log("stderr: %s", r.err);
		goto out;
	}
	cmd_result_free(&r);
	if (run_cmd(&r, 60, "cd '%s' && readelf -SW %s | grep -c ' upstare_maps '", ctx->tmpdir,
		    name) ||
	    !ASSERT_EQ(atoi(r.out) > 0, want_maps, want_maps ? "records in the program" :
			"no records in the program"))
		goto out;
	cmd_result_free(&r);
	if (run_cmd(&r, 60, "cd '%s' && UPSTARE_SELFTEST_UNWIND=1 UPSTARE_SELFTEST_REPORT=1 "
		    "./%s > %s.out && ./plain > plain.out && cmp %s.out plain.out", ctx->tmpdir,
		    name, name, name) ||
	    !ASSERT_EQ(r.status, 0, "the same output as plain, unwinding at every point"))
		goto out;
	ok = ASSERT_TRUE(strstr(r.err, "stack rebuilds") && !strstr(r.err, " 0 stack rebuilds"),
			 "stacks were rebuilt");
out:
	if (!ok)
		test_log("stdout: %s\nstderr: %s", r.out ? r.out : "", r.err ? r.err : "");
	cmd_result_free(&r);
	return ok;
}

static bool build_plain(struct test_ctx *ctx)
{
	return sh_ok(60, "plain build", "cd '%s' && %s -O2 p.c step.c -o plain", ctx->tmpdir,
		     plain_cc());
}

static enum test_result run_section(struct test_ctx *ctx)
{
	if (!write_sources(ctx) || !build_plain(ctx) ||
	    !build_and_run(ctx, "rec", "", "", true, NULL) ||
	    !build_and_run(ctx, "code", "", "--no-records", false, NULL))
		return TEST_FAIL;
	return TEST_PASS;
}

static enum test_result run_fallback(struct test_ctx *ctx)
{
	char path[512], env[600], *script;

	if (!write_sources(ctx) || !build_plain(ctx))
		return TEST_FAIL;
	snprintf(path, sizeof(path), "%s/fake-clang", ctx->tmpdir);
	if (asprintf(&script, fake_clang, plain_cc()) < 0)
		return TEST_FAIL;
	if (!ASSERT_OK(write_file(path, script, strlen(script)), "write fake-clang") ||
	    !ASSERT_OK(chmod(path, 0755), "chmod fake-clang")) {
		free(script);
		return TEST_FAIL;
	}
	free(script);
	snprintf(env, sizeof(env), "UPSTARE_CLANG='%s'", path);
	return build_and_run(ctx, "fallback", env, "", false,
			     "the saves as records did not compile; compiling them as code") ?
		       TEST_PASS : TEST_FAIL;
}

UPSTARE_GROUP_TEST("instr-records", section, run_section)
UPSTARE_GROUP_TEST("instr-records", fallback, run_fallback)
