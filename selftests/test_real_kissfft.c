// SPDX-License-Identifier: GPL-2.0
/*
 * KissFFT built plain and with upstare-cc must compute the same bits.
 *
 * The Debian source package is fetched with fetch-src.sh.  For each of the
 * library's data types (float, double, 16- and 32-bit fixed point) the
 * library is built by its own Makefile (static, -O2) once with clang and
 * once with upstare-cc, and the package's test and tool programs are linked
 * against it: the two-tone SNR test, the FFT cache test, the benchmark, the
 * FFT file utility and the fast-convolution filters (complex, real, direct).
 * Each program runs with the same deterministic arguments and input files
 * under both builds, and their exit status, stdout, stderr and output files
 * must be byte-identical.
 *
 * benchkiss reports timing: its stderr carries ps(1) output and a cputime
 * line that differ between any two runs, so only its "KISS" summary line and
 * its warnings are compared.  test_real.c is not used: it seeds rand() with
 * time(0) and prints timings.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test.h"

#define BUILD_TIMEOUT	240
#define RUN_TIMEOUT	120
#define NSAMPLES	(1800 * 2 * 6)	/* scalars in the input file */
#define NTAPS		134		/* scalars in the filter file */

struct kiss_type {
	const char *name;	/* KISSFFT_DATATYPE */
	const char *cflags;	/* the TYPEFLAGS its Makefile uses, static build */
	size_t size;		/* bytes per scalar */
};

static const struct kiss_type kiss_types[] = {
	{ "float",   "-Dkiss_fft_scalar=float",  sizeof(float) },
	{ "double",  "-Dkiss_fft_scalar=double", sizeof(double) },
	{ "int16_t", "-DFIXED_POINT=16",         sizeof(int16_t) },
	{ "int32_t", "-DFIXED_POINT=32",         sizeof(int32_t) },
};

/* A program of the package: its sources (relative to the tree) and flags. */
struct kiss_prog {
	const char *name;
	const char *srcs;
	const char *cflags;
};

static const struct kiss_prog kiss_progs[] = {
	{ "st",        "test/twotonetest.c",             "" },
	{ "tkfc",      "kfc.c",                          "-DKFC_TEST" },
	{ "bm",        "test/benchkiss.c test/pstats.c", "" },
	{ "fft",       "tools/fftutil.c",                "" },
	{ "fastconv",  "tools/kiss_fastfir.c",           "-DFAST_FILT_UTIL" },
	{ "fastconvr", "tools/kiss_fastfir.c",           "-DREAL_FASTFIR -DFAST_FILT_UTIL" },
};

/*
 * A run: arguments in the build directory, where ../in.raw and ../filt.raw
 * are the input files.  Programs that write a file write out.raw.
 */
struct kiss_run {
	const char *args;
	bool writes_file;
	bool timing_stderr;	/* benchkiss: compare only its summary lines */
};

static const struct kiss_run kiss_runs[] = {
	{ "./st 80", false, false },
	{ "./st 256", false, false },
	{ "./st 1800", false, false },
	{ "./tkfc", false, false },
	{ "./bm -x 200 -n 1800", false, true },
	{ "./bm -x 200 -n 1800 -r", false, true },
	{ "./bm -x 200 -n 1800 -r -i", false, true },
	{ "./bm -x 50 -n 1001", false, true },
	{ "./bm -x 20 -n 32,30", false, true },
	{ "./bm -x 20 -n 32,30 -r", false, true },
	{ "./fft -n 1800 ../in.raw out.raw", true, false },
	{ "./fft -i -n 1800 ../in.raw out.raw", true, false },
	{ "./fft -R -n 1024 ../in.raw out.raw", true, false },
	{ "./fft -R -i -n 1024 ../in.raw out.raw", true, false },
	{ "./fft -n 16,12,10 ../in.raw out.raw", true, false },
	{ "./fft -R -n 12,32 ../in.raw out.raw", true, false },
	{ "./fft -R -i -n 12,32 ../in.raw out.raw", true, false },
	{ "./fastconv -h ../filt.raw -n 1024 -i ../in.raw -o out.raw", true, false },
	{ "./fastconv -d -h ../filt.raw -i ../in.raw -o out.raw", true, false },
	{ "./fastconvr -h ../filt.raw -n 512 -i ../in.raw -o out.raw", true, false },
	{ "./fastconvr -d -h ../filt.raw -i ../in.raw -o out.raw", true, false },
};

enum variant { PLAIN, INSTR, NVARIANTS };
static const char *const variant_name[NVARIANTS] = { "plain", "instrumented" };

/* A deterministic input: LCG samples scaled to the scalar type. */
static int write_samples(const char *path, const struct kiss_type *t, size_t n, uint64_t seed)
{
	unsigned char *buf = malloc(n * t->size);
	uint64_t x = seed;
	int err;

	if (!buf)
		return -1;
	for (size_t i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		if (!strcmp(t->name, "float")) {
			float v = (float)((x >> 40) / 16777216.0 * 2.0 - 1.0);

			memcpy(buf + i * t->size, &v, t->size);
		} else if (!strcmp(t->name, "double")) {
			double v = (x >> 11) / 9007199254740992.0 * 2.0 - 1.0;

			memcpy(buf + i * t->size, &v, t->size);
		} else if (!strcmp(t->name, "int16_t")) {
			int16_t v = (int16_t)(x >> 48) / 4;

			memcpy(buf + i * t->size, &v, t->size);
		} else {
			int32_t v = (int32_t)(x >> 32) / 4;

			memcpy(buf + i * t->size, &v, t->size);
		}
	}
	err = write_file(path, (const char *)buf, n * t->size);
	free(buf);
	return err;
}

/* Build the library with the package's Makefile, then every program. */
static bool build_variant(const char *dir, const char *src, const char *cc,
			  const struct kiss_type *t, const char *vname)
{
	const char *flags = "-O2";
	char what[128];

	snprintf(what, sizeof(what), "%s %s: copy source", vname, t->name);
	if (!sh_ok(60, what, "rm -rf '%s' && cp -a '%s' '%s'", dir, src, dir))
		return false;
	snprintf(what, sizeof(what), "%s %s: make library", vname, t->name);
	if (!sh_ok(BUILD_TIMEOUT, what,
		   "make -C '%s' KISSFFT_DATATYPE=%s KISSFFT_STATIC=1 KISSFFT_TOOLS=0 "
		   "CC='%s' CFLAGS='%s' all", dir, t->name, cc, flags))
		return false;
	for (size_t i = 0; i < sizeof(kiss_progs) / sizeof(kiss_progs[0]); i++) {
		const struct kiss_prog *p = &kiss_progs[i];

		snprintf(what, sizeof(what), "%s %s: build %s", vname, t->name, p->name);
		if (!sh_ok(BUILD_TIMEOUT, what,
			   "cd '%s' && '%s' %s %s %s -I. -Itools -o %s %s -L. -lkissfft-%s -lm",
			   dir, cc, flags, t->cflags, p->cflags, p->name, p->srcs, t->name))
			return false;
	}
	return true;
}

/* Keep the lines of benchkiss's stderr that do not depend on timing. */
static void keep_summary_lines(char *s)
{
	char *in = s, *out = s;

	while (*in) {
		char *nl = strchr(in, '\n');
		size_t len = nl ? (size_t)(nl - in + 1) : strlen(in);

		if (!strncmp(in, "KISS\t", 5) || !strncmp(in, "warning:", 8)) {
			memmove(out, in, len);
			out += len;
		}
		in += len;
	}
	*out = 0;
}

struct run_output {
	struct cmd_result r;
	char *file;
	size_t file_len;
};

static bool run_variant(const char *dir, const struct kiss_run *run, struct run_output *o,
			const char *label)
{
	char path[512];

	memset(o, 0, sizeof(*o));
	if (run_cmd(&o->r, RUN_TIMEOUT, "cd '%s' && rm -f out.raw && %s", dir, run->args))
		return test_fail_at(__FILE__, __LINE__, "%s: cannot run", label);
	if (o->r.timed_out)
		return test_fail_at(__FILE__, __LINE__, "%s: timed out", label);
	if (run->timing_stderr)
		keep_summary_lines(o->r.err);
	if (run->writes_file) {
		snprintf(path, sizeof(path), "%s/out.raw", dir);
		o->file = read_file(path, &o->file_len);
	}
	return true;
}

static void run_output_free(struct run_output *o)
{
	cmd_result_free(&o->r);
	free(o->file);
}

/* Run one command under both builds and compare everything it produced. */
static bool compare_run(char *const dirs[NVARIANTS], const struct kiss_type *t,
			const struct kiss_run *run)
{
	struct run_output o[NVARIANTS] = { 0 };
	char label[256];
	bool ok = false;
	int v;

	for (v = 0; v < NVARIANTS; v++) {
		snprintf(label, sizeof(label), "%s %s: %s", variant_name[v], t->name, run->args);
		if (!run_variant(dirs[v], run, &o[v], label))
			goto out;
	}
	snprintf(label, sizeof(label), "%s: %s", t->name, run->args);
	/* the reference itself must have worked, or there is nothing to compare */
	if (!ASSERT_EQ(o[PLAIN].r.status, 0, label))
		goto out;
	if (run->writes_file &&
	    !ASSERT_TRUE(o[PLAIN].file && o[PLAIN].file_len > 0, label))
		goto out;
	if (!run->writes_file && !strncmp(run->args, "./st", 4) &&
	    !ASSERT_STRSTR(o[PLAIN].r.out, "TwoToneTest: snr ranges", label))
		goto out;
	if (run->timing_stderr && !ASSERT_STRSTR(o[PLAIN].r.err, "KISS\tnfft=", label))
		goto out;

	if (!ASSERT_EQ(o[INSTR].r.status, o[PLAIN].r.status, label) ||
	    !ASSERT_STREQ(o[INSTR].r.out, o[PLAIN].r.out, label) ||
	    !ASSERT_STREQ(o[INSTR].r.err, o[PLAIN].r.err, label))
		goto out;
	if (run->writes_file) {
		if (!ASSERT_TRUE(o[INSTR].file != NULL, label) ||
		    !ASSERT_EQ(o[INSTR].file_len, o[PLAIN].file_len, label) ||
		    !ASSERT_TRUE(!memcmp(o[INSTR].file, o[PLAIN].file, o[PLAIN].file_len),
				 label))
			goto out;
	}
	ok = true;
out:
	for (v = 0; v < NVARIANTS; v++)
		run_output_free(&o[v]);
	return ok;
}

static enum test_result test_type(struct test_ctx *ctx, const char *src,
				  const struct kiss_type *t)
{
	const char *cc[NVARIANTS] = { plain_cc(), upstare_cc() };
	char *dirs[NVARIANTS] = { NULL, NULL };
	enum test_result res = TEST_FAIL;
	char *top = NULL, *path = NULL;
	int v;

	if (asprintf(&top, "%s/%s", ctx->tmpdir, t->name) < 0)
		return TEST_FAIL;
	if (!ASSERT_OK(mkdir(top, 0755) ? -errno : 0, top))
		goto out;
	if (asprintf(&path, "%s/in.raw", top) < 0 ||
	    !ASSERT_OK(write_samples(path, t, NSAMPLES, 1), "write in.raw"))
		goto out;
	free(path);
	if (asprintf(&path, "%s/filt.raw", top) < 0 ||
	    !ASSERT_OK(write_samples(path, t, NTAPS, 2), "write filt.raw"))
		goto out;

	for (v = 0; v < NVARIANTS; v++) {
		if (asprintf(&dirs[v], "%s/%s", top, v == PLAIN ? "plain" : "instr") < 0)
			goto out;
		if (!build_variant(dirs[v], src, cc[v], t, variant_name[v]))
			goto out;
	}
	for (size_t i = 0; i < sizeof(kiss_runs) / sizeof(kiss_runs[0]); i++)
		if (!compare_run(dirs, t, &kiss_runs[i]))
			goto out;
	test_log("%s: %zu runs identical", t->name, sizeof(kiss_runs) / sizeof(kiss_runs[0]));
	res = TEST_PASS;
out:
	free(dirs[PLAIN]);
	free(dirs[INSTR]);
	free(path);
	free(top);
	return res;
}

static enum test_result real_kissfft(struct test_ctx *ctx)
{
	enum test_result res;
	char *src = NULL;

	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	res = fetch_src("kissfft", "bookworm", &src);
	if (res != TEST_PASS)
		return res;
	for (size_t i = 0; i < sizeof(kiss_types) / sizeof(kiss_types[0]); i++) {
		res = test_type(ctx, src, &kiss_types[i]);
		if (res != TEST_PASS)
			break;
	}
	free(src);
	return res;
}

REAL_TEST(kissfft, real_kissfft)
