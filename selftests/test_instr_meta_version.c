// SPDX-License-Identifier: GPL-2.0
/*
 * The .upstare metadata carries its format's version ("upstare_meta"),
 * and every tool reads it through one loader (controller/upmeta.c) that
 * checks it: a binary whose metadata is of another version must be
 * refused by name, by --dump-meta, by --patch --base and by upstarectl
 * check-constraints alike, never misread.  The version is changed in a
 * copy of a program built here, one byte, the section's length unchanged.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char source[] =
	"int count;\n"
	"int main(void)\n"
	"{\n"
	"\treturn count;\n"
	"}\n";

#define VERSION_1	"{\"upstare_meta\":1,"
#define REFUSAL		"other: unit 1 (prog.c) of the .upstare metadata: format " \
			"version 7, and this tool reads version 1"

/* A copy of tmpdir/prog as tmpdir/other, its first document of version 7. */
static bool other_version(const char *tmpdir)
{
	char path[512];
	size_t len;
	char *bin, *at;
	bool ok;

	snprintf(path, sizeof(path), "%s/prog", tmpdir);
	bin = read_file(path, &len);
	if (!ASSERT_TRUE(bin != NULL, "read prog"))
		return false;
	at = memmem(bin, len, VERSION_1, strlen(VERSION_1));
	ok = ASSERT_TRUE(at != NULL, "prog's metadata holds version 1");
	if (ok) {
		at[strlen(VERSION_1) - 2] = '7';
		snprintf(path, sizeof(path), "%s/other", tmpdir);
		ok = ASSERT_OK(write_file(path, bin, len), "write other");
	}
	free(bin);
	return ok;
}

/* Run a command in tmpdir: it must exit 1 and say REFUSAL. */
static bool refused(const char *tmpdir, const char *what, const char *cmd)
{
	struct cmd_result r = { 0 };
	bool ok = ASSERT_OK(run_cmd(&r, 60, "cd '%s' && %s", tmpdir, cmd), what) &&
		  ASSERT_EQ(r.status, 1, what) && ASSERT_STRSTR(r.err, REFUSAL, what);

	if (!ok)
		test_log("%s: %s", what, r.err ? r.err : "");
	cmd_result_free(&r);
	return ok;
}

static enum test_result meta_version(struct test_ctx *ctx)
{
	const char *cc = upstare_cc(), *build = upstare_build_dir();
	struct cmd_result r = { 0 };
	char path[512], cmd[1024];
	bool ok;

	snprintf(path, sizeof(path), "%s/prog.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write prog.c") ||
	    !sh_ok(120, "build", "cd '%s' && '%s' -O2 prog.c -o prog && "
		   "echo 'forbid any in main' > c.cons", ctx->tmpdir, cc))
		return TEST_FAIL;
	/* the program as built is read */
	ok = ASSERT_OK(run_cmd(&r, 60, "'%s' --dump-meta '%s/prog'", cc, ctx->tmpdir),
		       "dump prog") &&
	     ASSERT_EQ(r.status, 0, "dump prog: status") &&
	     ASSERT_STRSTR(r.out, VERSION_1 "\"source\":\"prog.c\"", "dump prog");
	cmd_result_free(&r);
	if (!ok || !other_version(ctx->tmpdir))
		return TEST_FAIL;
	snprintf(cmd, sizeof(cmd), "'%s' --dump-meta other", cc);
	ok = refused(ctx->tmpdir, "--dump-meta", cmd);
	snprintf(cmd, sizeof(cmd), "'%s' --patch --base other -O2 prog.c -o p.so", cc);
	ok = refused(ctx->tmpdir, "--patch --base", cmd) && ok;
	snprintf(cmd, sizeof(cmd), "'%s/bin/upstarectl' check-constraints c.cons --binary other",
		 build);
	ok = refused(ctx->tmpdir, "check-constraints", cmd) && ok;
	return ok ? TEST_PASS : TEST_FAIL;
}

/* "instr-meta-version", beside the per-file "instr/" cases */
static struct test meta_version_test = { .name = "instr-meta-version", .run = meta_version };

__attribute__((constructor)) static void meta_version_register(void)
{
	test_register(&meta_version_test);
}
