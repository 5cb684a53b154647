// SPDX-License-Identifier: GPL-2.0
/*
 * The exported names of file-scope statics and static locals carry the
 * source path (Documentation/instrumentor.rst): they must not depend on how
 * the command line spells it.  One file is compiled as "s.c", "./s.c",
 * "sub/../s.c" and by its absolute path, from its directory, and the global
 * symbols of the objects must be the same, named after "s.c"; compiled from
 * the parent directory it is named after "dir/s.c".
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "test.h"

static const char source[] =
	"static int counter = 3;\n"
	"static int bump(int v)\n"
	"{\n"
	"\tstatic int calls;\n"
	"\n"
	"\treturn counter += v + ++calls;\n"
	"}\n"
	"int use(int v)\n"
	"{\n"
	"\treturn bump(v);\n"
	"}\n";

/* The defined global data symbols of an object, one per line, sorted. */
static char *symbols(const char *tmpdir, const char *sub, const char *path)
{
	struct cmd_result r = { 0 };
	char *out = NULL;

	if (run_cmd(&r, 60, "cd '%s/%s' && '%s' -O2 -c '%s' -o o.o && "
		    "nm -g --defined-only o.o | awk '$2 ~ /[BDR]/ { print $3 }' | sort",
		    tmpdir, sub, upstare_cc(), path) ||
	    !ASSERT_EQ(r.status, 0, path)) {
		test_log("%s", r.err ? r.err : "");
	} else {
		out = r.out;
		r.out = NULL;
	}
	cmd_result_free(&r);
	return out;
}

static enum test_result instr_paths(struct test_ctx *ctx)
{
	char *dir = NULL, *file = NULL, *sub = NULL, *abs = NULL, *ref = NULL, *s = NULL;
	const char *spellings[] = { "./s.c", "sub/../s.c", NULL };
	enum test_result res = TEST_FAIL;

	if (asprintf(&dir, "%s/dir", ctx->tmpdir) < 0 || asprintf(&file, "%s/s.c", dir) < 0 ||
	    asprintf(&sub, "%s/sub", dir) < 0 || asprintf(&abs, "%s/s.c", dir) < 0)
		goto out;
	if (!ASSERT_OK(mkdir(dir, 0755), "mkdir") || !ASSERT_OK(mkdir(sub, 0755), "mkdir") ||
	    !ASSERT_OK(write_file(file, source, strlen(source)), "write s.c"))
		goto out;
	spellings[2] = abs;
	ref = symbols(ctx->tmpdir, "dir", "s.c");
	if (!ref || !ASSERT_STRSTR(ref, "__upstare_s_s_c_counter\n", "s.c") ||
	    !ASSERT_STRSTR(ref, "__upstare_sl_s_c_bump_calls\n", "s.c"))
		goto out;
	for (int i = 0; i < 3; i++) {
		s = symbols(ctx->tmpdir, "dir", spellings[i]);
		if (!s || !ASSERT_STREQ(s, ref, spellings[i]))
			goto out;
		free(s);
		s = NULL;
	}
	s = symbols(ctx->tmpdir, ".", "dir/s.c");
	if (!s || !ASSERT_STRSTR(s, "__upstare_s_dir_s_c_counter\n", "dir/s.c"))
		goto out;
	res = TEST_PASS;
out:
	free(s);
	free(ref);
	free(abs);
	free(sub);
	free(file);
	free(dir);
	return res;
}

/* "instr-paths", beside the per-file "instr/" cases (a C identifier cannot hold "-") */
static struct test instr_paths_test = { .name = "instr-paths", .run = instr_paths };

__attribute__((constructor)) static void instr_paths_register(void)
{
	test_register(&instr_paths_test);
}
