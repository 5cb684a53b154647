// SPDX-License-Identifier: GPL-2.0
/*
 * Rebuild entries (Documentation/instrumentor.rst, "Rebuild entries").
 *
 * instr-rebuild/policies: which functions get a copy (__us_rb_NAME, in
 * section .text.unlikely.upstare) under each --rebuild-entries policy:
 * by default (small) the small function and not the larger one; with all
 * both; with none neither; never the one with a struct parameter (clang
 * 19 miscompiles musttail with an argument passed in memory) nor the one
 * that names __func__.  Every build prints what the plain build prints,
 * unwinding and rebuilding at every update point.
 *
 * instr-rebuild/bad_policy: --rebuild-entries=fast is refused, naming the
 * choices, and writes no object.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

static const char source[] =
	"#include <stdio.h>\n"
	"struct s { long a[4]; };\n"
	"static int small(int n)\n"
	"{\n"
	"\tif (n <= 0)\n"
	"\t\treturn 0;\n"
	"\treturn n + small(n - 1);\n"
	"}\n"
	"static long larger(int n)\n"
	"{\n"
	"\tlong s = 0, t = 1;\n"
	"\tfor (int i = 0; i < n; i++) {\n"
	"\t\ts += small(i);\n"
	"\t\tt = t * 3 % 1000003;\n"
	"\t\tif (s > t)\n"
	"\t\t\ts -= t;\n"
	"\t\ts ^= i;\n"
	"\t}\n"
	"\treturn s + t;\n"
	"}\n"
	"static long by_value(struct s v, int n)\n"
	"{\n"
	"\tlong s = 0;\n"
	"\tfor (int i = 0; i < n; i++)\n"
	"\t\ts += v.a[i & 3];\n"
	"\treturn s;\n"
	"}\n"
	"static const char *named(int n)\n"
	"{\n"
	"\tfor (int i = 0; i < n; i++)\n"
	"\t\tputchar('.');\n"
	"\treturn __func__;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"\tstruct s v = { { 1, 2, 3, 4 } };\n"
	"\tprintf(\"%d %ld %ld %s\\n\", small(50), larger(200), by_value(v, 9), named(3));\n"
	"\treturn 0;\n"
	"}\n";

/* Build with flags; the copies the object has, as " name name ... ". */
static bool build(struct test_ctx *ctx, const char *name, const char *flags, char **copies)
{
	struct cmd_result r = { 0 };
	bool ok = false;
	size_t n = 1;

	if (run_cmd(&r, 120, "cd '%s' && '%s' -O2 %s -c p.c -o %s.o && '%s' -O2 %s %s.o -o %s",
		    ctx->tmpdir, upstare_cc(), flags, name, upstare_cc(), flags, name, name) ||
	    !ASSERT_EQ(r.status, 0, name)) {
		test_log("stderr: %s", r.err ? r.err : "");
		goto out;
	}
	cmd_result_free(&r);
	/* "section name" of each copy, by name */
	if (run_cmd(&r, 60, "cd '%s' && objdump -t %s.o | awk '$NF ~ /^__us_rb_/ "
		    "{ print $(NF - 2), $NF }' | sort -k2", ctx->tmpdir, name) ||
	    !ASSERT_EQ(r.status, 0, "objdump -t"))
		goto out;
	*copies = strdup(" ");
	for (char *line = r.out, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		char sec[128], sym[128];

		nl = strchr(line, '\n');
		if (sscanf(line, "%127s %127s", sec, sym) != 2)
			continue;
		/* each copy in the cold section */
		if (!ASSERT_STREQ(sec, ".text.unlikely.upstare", sym))
			goto out;
		*copies = realloc(*copies, n + strlen(sym) + 2);
		n += (size_t)sprintf(*copies + n, "%s ", sym + strlen("__us_rb_"));
	}
	cmd_result_free(&r);
	if (run_cmd(&r, 60, "cd '%s' && UPSTARE_SELFTEST_UNWIND=1 UPSTARE_SELFTEST_REPORT=1 "
		    "./%s > %s.out && cmp %s.out plain.out", ctx->tmpdir, name, name, name) ||
	    !ASSERT_EQ(r.status, 0, "the same output as plain, unwinding at every point"))
		goto out;
	ok = ASSERT_TRUE(strstr(r.err, "stack rebuilds") && !strstr(r.err, " 0 stack rebuilds"),
			 "stacks were rebuilt");
out:
	cmd_result_free(&r);
	return ok;
}

static bool want(struct test_ctx *ctx, const char *flags, const char *name, const char *expect)
{
	char *copies = NULL;
	bool ok = build(ctx, name, flags, &copies) &&
		  ASSERT_STREQ(copies, expect, *flags ? flags : "the default (small)");

	free(copies);
	return ok;
}

static enum test_result run_policies(struct test_ctx *ctx)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/p.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write p.c") ||
	    !sh_ok(60, "plain build", "cd '%s' && %s -O2 p.c -o plain && ./plain > plain.out",
		   ctx->tmpdir, plain_cc()))
		return TEST_FAIL;
	if (!want(ctx, "", "dflt", " small ") ||
	    !want(ctx, "--rebuild-entries=small", "small", " small ") ||
	    !want(ctx, "--rebuild-entries=all", "all", " larger small ") ||
	    !want(ctx, "--rebuild-entries=none", "none", " ") ||
	    !want(ctx, "-O0 --rebuild-entries=all", "all0", " larger small "))
		return TEST_FAIL;
	return TEST_PASS;
}

static enum test_result run_bad_policy(struct test_ctx *ctx)
{
	struct cmd_result r = { 0 };
	char path[512];
	bool ok;

	snprintf(path, sizeof(path), "%s/p.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write p.c"))
		return TEST_FAIL;
	if (run_cmd(&r, 60, "cd '%s' && '%s' -O2 --rebuild-entries=fast -c p.c -o p.o",
		    ctx->tmpdir, upstare_cc()))
		return TEST_FAIL;
	ok = ASSERT_EQ(r.status, 1, "exit status") &&
	     ASSERT_STRSTR(r.err, "--rebuild-entries=fast: expected none, small or all",
			   "the message");
	cmd_result_free(&r);
	snprintf(path, sizeof(path), "%s/p.o", ctx->tmpdir);
	ok = ASSERT_TRUE(access(path, F_OK) != 0, "no object written") && ok;
	return ok ? TEST_PASS : TEST_FAIL;
}

UPSTARE_GROUP_TEST("instr-rebuild", policies, run_policies)
UPSTARE_GROUP_TEST("instr-rebuild", bad_policy, run_bad_policy)
