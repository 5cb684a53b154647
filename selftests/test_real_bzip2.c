// SPDX-License-Identifier: GPL-2.0
/*
 * real/bzip2: bzip2 1.0.8 (Debian's source package) built by its own
 * Makefile with CC=upstare-cc and its default flags, then its own test
 * suite ("make test": compress the three reference samples at -1, -2 and
 * -3 and decompress the reference .bz2 files, one of them with -s, each
 * compared byte for byte with the reference by cmp).
 *
 * The suite runs three times: as it is, then with UPSTARE_SELFTEST_UNWIND
 * set to 1 and to 97 (every update point, then every 97th, unwinds the
 * whole stack and rebuilds it: about 6.4 million and 70,000 rebuilds),
 * each bzip2 run reporting its rebuilds, so every saved and restored frame
 * of the block sort, the Huffman coder and the decoder is checked by the
 * suite's own comparisons.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define BUILD_TIMEOUT	300
#define RUN_TIMEOUT	300
#define NRUNS		6	/* bzip2 runs in the suite */

static enum test_result real_bzip2(struct test_ctx *ctx)
{
	static const char *const every[] = { "1", "97" };
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char *src = NULL;
	unsigned long n;
	unsigned reports;

	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	res = fetch_src("bzip2", "bookworm", &src);
	if (res != TEST_PASS)
		return res;
	res = TEST_FAIL;
	if (!sh_ok(BUILD_TIMEOUT, "bzip2 built by its Makefile with upstare-cc",
		   "cp -a '%s' '%s/bz' && make -C '%s/bz' CC='%s' bzip2 >/dev/null", src,
		   ctx->tmpdir, ctx->tmpdir, upstare_cc()))
		goto out;
	if (!sh_ok(RUN_TIMEOUT, "bzip2's own test suite (make test)",
		   "make -C '%s/bz' CC='%s' test >/dev/null", ctx->tmpdir, upstare_cc()))
		goto out;
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++) {
		char what[128];

		snprintf(what, sizeof(what), "make test with UPSTARE_SELFTEST_UNWIND=%s", every[i]);
		cmd_result_free(&r);
		/* make test shows the runs' stderr: the self-test's reports */
		if (run_cmd(&r, RUN_TIMEOUT, "cd '%s/bz' && rm -f sample*.rb2 sample*.tst && "
			    "UPSTARE_SELFTEST_UNWIND=%s UPSTARE_SELFTEST_REPORT=1 make CC='%s' test",
			    ctx->tmpdir, every[i], upstare_cc()) ||
		    !ASSERT_TRUE(!r.timed_out, what) ||
		    !ASSERT_EQ(r.status, 0, what))
			goto out;
		n = selftest_rebuilds(r.err, &reports);
		test_log("%s: %u runs, %lu stack rebuilds", what, reports, n);
		if (!ASSERT_EQ(reports, NRUNS, "every bzip2 run reported its rebuilds") ||
		    !ASSERT_TRUE(n >= 10000, "the runs rebuilt their stacks"))
			goto out;
	}
	res = TEST_PASS;
out:
	if (res != TEST_PASS && r.err)
		test_log("stderr: %.2000s", r.err);
	cmd_result_free(&r);
	free(src);
	return res;
}

REAL_TEST(bzip2, real_bzip2)
