// SPDX-License-Identifier: GPL-2.0
/*
 * UPSTARE_SELFTEST_UNWIND_MAX (instrumentor.rst, "Self-test mode"): four
 * threads pass update points in loops while every third one unwinds; the
 * process must unwind exactly MAX times, compute what it computes without
 * the self-test mode, and end with __upstare_pending down (no thread in
 * flight).  Without the maximum the flag stays up: the check can tell.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

static const char source[] =
	"#include <pthread.h>\n"
	"#include <stdio.h>\n"
	"extern volatile int __upstare_pending;\n"
	"static long step(long s, int i)\n"
	"{\n"
	"\tfor (int k = 0; k < i % 3; k++)\n"
	"\t\ts = s * 31 + k;\n"
	"\treturn s % 1000003;\n"
	"}\n"
	"static void *worker(void *arg)\n"
	"{\n"
	"\tlong s = (long)arg;\n"
	"\n"
	"\tfor (int i = 0; i < 200000; i++)\n"
	"\t\ts = step(s, i);\n"
	"\treturn (void *)s;\n"
	"}\n"
	"int main(void)\n"
	"{\n"
	"\tpthread_t t[4];\n"
	"\tlong sum = 0;\n"
	"\n"
	"\tfor (long i = 0; i < 4; i++)\n"
	"\t\tpthread_create(&t[i], NULL, worker, (void *)(i + 1));\n"
	"\tfor (int i = 0; i < 4; i++) {\n"
	"\t\tvoid *r;\n"
	"\n"
	"\t\tpthread_join(t[i], &r);\n"
	"\t\tsum += (long)r;\n"
	"\t}\n"
	"\tprintf(\"sum %ld pending %d\\n\", sum, __upstare_pending);\n"
	"\treturn 0;\n"
	"}\n";

/* Run the program with ENV; its stdout and stderr into R. */
static bool run(struct test_ctx *ctx, const char *env, struct cmd_result *r)
{
	if (!ASSERT_OK(run_cmd(r, 120, "cd '%s' && env %s ./prog", ctx->tmpdir, env), env))
		return false;
	test_log("%s: status %d, stdout: %s, stderr: %s", env, r->status, r->out, r->err);
	return ASSERT_EQ(r->status, 0, env);
}

static enum test_result selftest_max(struct test_ctx *ctx)
{
	struct cmd_result b = { 0 }, ref = { 0 }, capped = { 0 }, uncapped = { 0 };
	char path[300], want[128];
	enum test_result res = TEST_FAIL;
	const char *p;

	snprintf(path, sizeof(path), "%s/prog.c", ctx->tmpdir);
	if (!ASSERT_OK(write_file(path, source, strlen(source)), "write prog.c") ||
	    !ASSERT_OK(run_cmd(&b, 300, "cd '%s' && '%s' -O2 -pthread prog.c -o prog",
			       ctx->tmpdir, upstare_cc()), "run upstare-cc") ||
	    !ASSERT_EQ(b.status, 0, b.err))
		goto out;
	if (!run(ctx, "UPSTARE_NONE=", &ref) ||
	    !ASSERT_STRSTR(ref.out, " pending 0", "without the self-test mode"))
		goto out;
	if (!run(ctx, "UPSTARE_SELFTEST_UNWIND=3 UPSTARE_SELFTEST_UNWIND_MAX=500 "
		      "UPSTARE_SELFTEST_REPORT=1", &capped) ||
	    !ASSERT_STREQ(capped.out, ref.out, "output with UPSTARE_SELFTEST_UNWIND_MAX=500") ||
	    !ASSERT_STRSTR(capped.err, "upstare: 500 stack rebuilds", "rebuild count"))
		goto out;
	if (!run(ctx, "UPSTARE_SELFTEST_UNWIND=3 UPSTARE_SELFTEST_REPORT=1", &uncapped) ||
	    !ASSERT_STRSTR(uncapped.out, " pending 1", "without a maximum the flag stays up"))
		goto out;
	/* the same sum, with as many rebuilds as every third point gives */
	p = strstr(uncapped.out, " pending");
	snprintf(want, sizeof(want), "%.*s", p ? (int)(p - uncapped.out) : 0, uncapped.out);
	if (!ASSERT_STRSTR(ref.out, want, "sum without a maximum") ||
	    !ASSERT_TRUE(!strstr(uncapped.err, "upstare: 500 stack rebuilds"),
			 "more than 500 rebuilds without a maximum"))
		goto out;
	res = TEST_PASS;
out:
	cmd_result_free(&b);
	cmd_result_free(&ref);
	cmd_result_free(&capped);
	cmd_result_free(&uncapped);
	return res;
}

static struct test selftest_max_test = { .name = "runtime/selftest_max", .run = selftest_max };

__attribute__((constructor)) static void selftest_max_register(void)
{
	test_register(&selftest_max_test);
}
