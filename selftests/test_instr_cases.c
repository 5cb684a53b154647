// SPDX-License-Identifier: GPL-2.0
/*
 * Differential cases for upstare-cc.
 *
 * Every selftests/cases/NAME.c is a small program that prints what it
 * computes.  The case instr/NAME builds it with the plain compiler and with
 * upstare-cc, at -O2 and at -O0, and requires the instrumented builds to
 * print the same stdout and exit with the same status as the plain ones:
 * instrumentation must not change what a program does.  Each instrumented
 * build runs twice: as is, and with UPSTARE_SELFTEST_UNWIND=N, where the
 * runtime unwinds and rebuilds the whole stack at every N-th update point,
 * so every saved frame, restored local and repeated call is checked too.
 * The -O0 instrumented build uses --all-points, so calls to functions that
 * cannot park (which get no continuation point by default) are unwound and
 * rebuilt there as well.  Both builds are made and run a second time with
 * --no-records (the saves as code instead of stack-map records), the -O0
 * one without rebuild entries (--rebuild-entries=none), and the -O2 one a
 * third time with a rebuild entry in every function that can have one
 * (--rebuild-entries=all).
 * The plain builds must agree with each other and exit with the expected
 * status, so a case that is itself nondeterministic or wrong is reported as
 * such instead of blaming the instrumentor.
 *
 * A case may say how to run it in a comment within its first 30 lines:
 *
 *	upstare-test: args="a b" stdin="line\n" status=3 cflags="-lm" unwind=7
 *
 * args are shell words appended to the command line, stdin is fed to the
 * program (escapes \n \t \\ \"), status is the expected exit status of the
 * plain build (default 0), cflags are added to both compilers' flags (both
 * search the case's directory for quoted includes, so "-include NAME.h"
 * finds a header beside the case),
 * unwind is N for the unwind run (default 1: at every update point), and
 * rebuilds=MIN-MAX bounds the stack rebuilds the unwind run reports (a
 * case that counts its update points).
 *
 * make check-long adds memcheck/NAME for every case: the instrumented -O2
 * build (with DWARF 4 debug information, which Debian 12's valgrind reads)
 * runs under valgrind's memcheck with the case's unwind setting, and must
 * print what the plain build prints, exit as it does, and have memcheck
 * find no error: the save, restore and rebuild paths touch no memory they
 * should not, and read nothing undefined.
 *
 * Every selftests/cases/nr/NAME.c lists which of its functions must be
 * marked non-reconstructible in the metadata, and which must not (see
 * run_nr_case).
 *
 * Every selftests/cases/errors/NAME.c holds a construct upstare-cc rejects
 * and a line "// expect-error: TEXT".  The case instr-error/NAME requires
 * upstare-cc to fail with "NAME.c:LINE:COL: error: ...TEXT...", to leave no
 * output file behind, and, given --allow-unsupported, to build the program
 * with a warning into one that behaves like the plain build.  When the
 * marker follows code on its line, the error must point at that line.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "test.h"

#define BUILD_TIMEOUT_S	120
#define RUN_TIMEOUT_S	30
#define MEMCHECK_TIMEOUT_S	300
#define MEMCHECK_ERROR	99	/* valgrind's exit status when memcheck finds an error */
#define HEADER_LINES	30

static const char base_flags[] = "-std=gnu11 -pthread";

struct case_spec {
	char args[512];
	char input[4096];
	bool has_input;
	char cflags[512];
	int status;
	int unwind;
	unsigned long rebuilds_min, rebuilds_max;	/* unwind run; max 0: any */
};

/* One quoted or bare value after "key=", with the escapes the header allows. */
static const char *parse_value(const char *p, char *out, size_t size)
{
	size_t n = 0;
	bool quoted = *p == '"';

	if (quoted)
		p++;
	while (*p && (quoted ? *p != '"' : !isspace((unsigned char)*p))) {
		char c = *p++;

		if (quoted && c == '\\' && *p) {
			c = *p++;
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		}
		if (n + 1 >= size)
			return NULL;
		out[n++] = c;
	}
	if (quoted && *p++ != '"')
		return NULL;
	out[n] = 0;
	return p;
}

/*
 * Read the "upstare-test:" header of a case, if it has one.  Returns false
 * (after logging file:line: why) when the header is malformed.
 */
static bool parse_spec(const char *path, const char *src, struct case_spec *spec)
{
	const char *line = src, *p;
	char key[32], val[4096];
	int lineno;

	memset(spec, 0, sizeof(*spec));
	spec->unwind = 1;
	for (lineno = 1; lineno <= HEADER_LINES && line; lineno++) {
		p = strstr(line, "upstare-test:");
		if (p && (!strchr(line, '\n') || p < strchr(line, '\n')))
			break;
		line = strchr(line, '\n');
		line = line ? line + 1 : NULL;
	}
	if (lineno > HEADER_LINES || !line) {
		/* a header further down would be ignored: say so */
		if (strstr(src, "upstare-test:")) {
			test_log("%s: \"upstare-test:\" after line %d", path, HEADER_LINES);
			return false;
		}
		return true;
	}
	p += strlen("upstare-test:");
	for (;;) {
		size_t k = 0;

		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n' || !strncmp(p, "*/", 2))
			return true;
		while ((isalnum((unsigned char)*p) || *p == '_') && k + 1 < sizeof(key))
			key[k++] = *p++;
		key[k] = 0;
		if (*p != '=' || !(p = parse_value(p + 1, val, sizeof(val))))
			goto bad;
		if (!strcmp(key, "args")) {
			snprintf(spec->args, sizeof(spec->args), "%s", val);
		} else if (!strcmp(key, "cflags")) {
			snprintf(spec->cflags, sizeof(spec->cflags), "%s", val);
		} else if (!strcmp(key, "stdin")) {
			snprintf(spec->input, sizeof(spec->input), "%s", val);
			spec->has_input = true;
		} else if (!strcmp(key, "status")) {
			spec->status = atoi(val);
		} else if (!strcmp(key, "unwind")) {
			spec->unwind = atoi(val);
		} else if (!strcmp(key, "rebuilds")) {
			if (sscanf(val, "%lu-%lu", &spec->rebuilds_min, &spec->rebuilds_max) != 2 ||
			    spec->rebuilds_min > spec->rebuilds_max)
				goto bad;
		} else {
			goto bad;
		}
	}
bad:
	test_log("%s:%d: malformed upstare-test header near \"%.20s\"", path, lineno, p ? p : "");
	return false;
}

static bool have_upstare_cc(void)
{
	if (access(upstare_cc(), X_OK) == 0)
		return true;
	test_fail_at(__FILE__, __LINE__, "%s: %s (run make)", upstare_cc(), strerror(errno));
	return false;
}

/* Build SRC into OUT with compiler CC; on failure log the compiler's stderr. */
static bool build(const char *what, const char *cc, const char *flags, const char *cflags,
		  const char *src, const char *out)
{
	const char *slash = strrchr(src, '/');
	int dirlen = slash ? (int)(slash - src) : 1;
	struct cmd_result r;
	bool ok;

	if (run_cmd(&r, BUILD_TIMEOUT_S, "%s %s %s -iquote '%.*s' -o '%s' '%s' %s", cc, flags,
		    base_flags, dirlen, slash ? src : ".", out, src, cflags)) {
		test_fail_at(__FILE__, __LINE__, "%s: cannot run %s", what, cc);
		return false;
	}
	ok = r.status == 0 && !r.timed_out;
	if (!ok)
		test_fail_at(__FILE__, __LINE__, "%s: %s %s failed (%s %d):\n%s", what, cc, flags,
			     r.timed_out ? "timed out, status" : "status", r.status, r.err);
	cmd_result_free(&r);
	return ok;
}

/*
 * Run a built case in the test's directory for at most TIMEOUT_S seconds,
 * PREFIX being variable assignments and the command it runs under, if any.
 */
static bool run_prog_under(struct test_ctx *ctx, const struct case_spec *spec,
			   const char *prefix, const char *prog, int timeout_s,
			   struct cmd_result *r)
{
	if (run_cmd(r, timeout_s, "cd '%s' && %s'%s' %s < %s", ctx->tmpdir, prefix, prog,
		    spec->args, spec->has_input ? "stdin" : "/dev/null")) {
		test_fail_at(__FILE__, __LINE__, "%s: cannot run", prog);
		return false;
	}
	if (r->timed_out)
		return test_fail_at(__FILE__, __LINE__, "%s: still running after %d s", prog,
				    timeout_s);
	return true;
}

/* Run a built case, ENV being variable assignments. */
static bool run_prog(struct test_ctx *ctx, const struct case_spec *spec, const char *env,
		     const char *prog, struct cmd_result *r)
{
	return run_prog_under(ctx, spec, env, prog, RUN_TIMEOUT_S, r);
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

/* Log LINES lines of S from line FROM (1-based), each prefixed with TAG. */
static void log_lines(const char *tag, const char *s, int from, int lines)
{
	for (int l = 1; *s && l < from + lines; l++) {
		const char *nl = strchrnul(s, '\n');

		if (l >= from)
			test_log("  %s %4d| %.*s", tag, l, (int)(nl - s), s);
		s = *nl ? nl + 1 : nl;
	}
}

/*
 * Compare two outputs.  On a mismatch, name the first line that differs
 * and show a few lines of both around it.
 */
static bool same_output(const char *what, const char *a_name, const char *a,
			const char *b_name, const char *b)
{
	const char *pa = a, *pb = b, *line_start = a;
	int line = 1;

	if (!strcmp(a, b))
		return true;
	for (; *pa && *pa == *pb; pa++, pb++) {
		if (*pa == '\n') {
			line++;
			line_start = pa + 1;
		}
	}
	test_fail_at(__FILE__, __LINE__,
		     "%s: stdout differs from line %d on (%s has %d lines, %s has %d; column %d):",
		     what, line, a_name, count_lines(a), b_name, count_lines(b),
		     (int)(pa - line_start) + 1);
	log_lines(a_name, a, line > 3 ? line - 3 : 1, 8);
	test_log("  ----");
	log_lines(b_name, b, line > 3 ? line - 3 : 1, 8);
	return false;
}

static bool same_status(const char *what, const struct cmd_result *plain,
			const struct cmd_result *instr)
{
	if (plain->status == instr->status)
		return true;
	return test_fail_at(__FILE__, __LINE__, "%s: exit status %d with upstare-cc, %d plain",
			    what, instr->status, plain->status);
}

/*
 * An unwind run must have rebuilt stacks, or it tested nothing.  The
 * runtime reports the count when the program exits, so a program killed
 * by a signal has no report.
 */
/* Whether the metadata of BIN names any continuation point. */
static bool has_points(const char *bin)
{
	struct cmd_result r = { 0 };
	bool res = true;

	if (!run_cmd(&r, BUILD_TIMEOUT_S, "%s --dump-meta '%s'", upstare_cc(), bin) &&
	    !r.status && !r.timed_out)
		res = strstr(r.out, "\"cps\":[{") != NULL;
	cmd_result_free(&r);
	return res;
}

static bool rebuilt_stacks(const char *what, const struct case_spec *spec,
			   const struct cmd_result *plain, const struct cmd_result *instr,
			   const char *ibin)
{
	unsigned long n = 0;
	bool found = false;

	if (plain->status >= 128)
		return true;
	for (const char *p = instr->err; (p = strstr(p, "upstare: ")); p++)
		found |= sscanf(p, "upstare: %lu stack rebuilds", &n) == 1;
	if (!found)
		return test_fail_at(__FILE__, __LINE__, "%s: no \"upstare: N stack rebuilds\" "
				    "report on stderr", what);
	if (!n && !has_points(ibin)) {
		/* every function is quiet (park.c): no thread can park */
		test_log("%s: no update point to unwind at (every function is quiet)", what);
		return true;
	}
	if (!n)
		return test_fail_at(__FILE__, __LINE__, "%s: no stack was rebuilt", what);
	test_log("%s: %lu stack rebuilds", what, n);
	if (spec->rebuilds_max && (n < spec->rebuilds_min || n > spec->rebuilds_max))
		return test_fail_at(__FILE__, __LINE__, "%s: %lu stack rebuilds, the case "
				    "expects %lu to %lu", what, n, spec->rebuilds_min,
				    spec->rebuilds_max);
	return true;
}

/*
 * Run the instrumented build and compare it with the plain run.  With
 * UNWIND, the runtime unwinds and rebuilds the whole stack in the same
 * code at every UNWIND-th update point a thread reaches: every frame is
 * saved, restored and its pending call made again, and the program must
 * still behave as the plain build.
 */
static bool compare_instr(struct test_ctx *ctx, const struct case_spec *spec, const char *what,
			  const struct cmd_result *plain, const char *ibin, int unwind)
{
	struct cmd_result instr = { 0 };
	char env[96] = "";
	bool ok = false;

	/* unwind < 0: unwind every -unwind points, but a function compiled
	 * uninstrumented may leave nothing to rebuild */
	if (unwind)
		snprintf(env, sizeof(env), "UPSTARE_SELFTEST_UNWIND=%d UPSTARE_SELFTEST_REPORT=1 ",
			 unwind < 0 ? -unwind : unwind);
	if (!run_prog(ctx, spec, env, ibin, &instr))
		goto out;
	ok = same_output(what, "plain  ", plain->out, "upstare", instr.out);
	ok = same_status(what, plain, &instr) && ok;
	if (ok && unwind > 0)
		ok = rebuilt_stacks(what, spec, plain, &instr, ibin);
out:
	if (!ok && instr.err && *instr.err)
		test_log("%s: stderr of the upstare-cc build:\n%s", what, instr.err);
	cmd_result_free(&instr);
	return ok;
}

/* Build and run CASE at one optimization level with both compilers. */
static bool diff_at(struct test_ctx *ctx, const char *src, const struct case_spec *spec,
		    const char *opt, const char *extra, char **plain_out)
{
	struct cmd_result plain = { 0 };
	char pbin[320], ibin[320], what[160], iflags[96];
	bool ok = false;

	snprintf(pbin, sizeof(pbin), "%s/plain%s", ctx->tmpdir, opt);
	snprintf(ibin, sizeof(ibin), "%s/upstare%s%s", ctx->tmpdir, opt, extra);
	for (char *c = ibin + strlen(ctx->tmpdir) + 1; *c; c++)
		if (*c == ' ' || *c == '=')
			*c = '_';
	snprintf(what, sizeof(what), "plain build at %s", opt);
	if (!build(what, plain_cc(), opt, spec->cflags, src, pbin))
		return false;
	/*
	 * At -O0 with --all-points, so that every call site's unwind and
	 * rebuild is exercised even in functions that cannot park by default.
	 */
	snprintf(iflags, sizeof(iflags), "%s%s%s", opt, strcmp(opt, "-O0") ? "" : " --all-points",
		 extra);
	snprintf(what, sizeof(what), "upstare-cc build at %s", iflags);
	if (!build(what, upstare_cc(), iflags, spec->cflags, src, ibin))
		return false;
	if (!run_prog(ctx, spec, "", pbin, &plain))
		goto out;
	snprintf(what, sizeof(what), "plain build at %s", opt);
	if (plain.status != spec->status) {
		test_fail_at(__FILE__, __LINE__, "%s: exit status %d, the case expects %d "
			     "(the case itself is wrong)\nstdout:\n%s\nstderr:\n%s", what,
			     plain.status, spec->status, plain.out, plain.err);
		goto out;
	}
	snprintf(what, sizeof(what), "at %s", iflags);
	ok = compare_instr(ctx, spec, what, &plain, ibin, 0);
	if (spec->unwind) {
		snprintf(what, sizeof(what), "at %s with UPSTARE_SELFTEST_UNWIND=%d", iflags,
			 spec->unwind);
		ok = compare_instr(ctx, spec, what, &plain, ibin, spec->unwind) && ok;
	}
	*plain_out = plain.out;
	plain.out = NULL;
out:
	cmd_result_free(&plain);
	return ok;
}

static bool write_input(struct test_ctx *ctx, const struct case_spec *spec)
{
	char path[300];

	if (!spec->has_input)
		return true;
	snprintf(path, sizeof(path), "%s/stdin", ctx->tmpdir);
	return ASSERT_OK(write_file(path, spec->input, strlen(spec->input)), "write stdin");
}

/* Read the case's spec from its header, and write its stdin file. */
static bool load_case(struct test_ctx *ctx, const char *src, struct case_spec *spec)
{
	char *text = read_file(src, NULL);
	bool ok;

	if (!ASSERT_TRUE(text != NULL, src))
		return false;
	ok = parse_spec(src, text, spec) && write_input(ctx, spec);
	free(text);
	return ok;
}

/* Compile SRC with upstare-cc FLAGS -c and read its .upstare metadata back into R. */
static bool case_meta(struct test_ctx *ctx, const char *src, const char *flags,
		      struct cmd_result *r)
{
	char obj[300], cflags[64];

	snprintf(obj, sizeof(obj), "%s/case.o", ctx->tmpdir);
	snprintf(cflags, sizeof(cflags), "%s -c", flags);
	if (!build("upstare-cc -c", upstare_cc(), cflags, "", src, obj))
		return false;
	if (!ASSERT_OK(run_cmd(r, BUILD_TIMEOUT_S, "%s --dump-meta '%s'", upstare_cc(), obj),
		       "run upstare-cc --dump-meta"))
		return false;
	return ASSERT_EQ(r->status, 0, "upstare-cc --dump-meta status");
}

/*
 * A list of function NAME's in the metadata, each item after a space,
 * into OUT: the keys of its continuation points ("cps"), or the names of
 * its locals on the side stack ("locals"); false if the function or its
 * list is missing.
 */
static bool meta_list(const char *meta, const char *name, const char *list, char *out,
		      size_t size)
{
	bool cps = !strcmp(list, "cps"), side_stack = false;
	const char *p, *item = NULL, *item_end = NULL;
	char key[300];
	int depth = 0;

	snprintf(key, sizeof(key), "{\"name\":\"%s\",", name);
	p = strstr(meta, key);
	snprintf(key, sizeof(key), "\"%s\":[", list);
	if (!p || !(p = strstr(p, key)))
		return false;
	*out = 0;
	for (p += strlen(key) - 1; *p; p++) {
		if (*p == '[' || *p == '{') {
			depth++;
		} else if (*p == ']' || *p == '}') {
			if (--depth == 0)
				return true;
			if (depth == 1 && item && (cps || side_stack))
				snprintf(out + strlen(out), size - strlen(out), " %.*s",
					 (int)(item_end - item), item);
			if (depth == 1)
				item = NULL, side_stack = false;
		} else if (*p == '"') {
			const char *field = cps ? "\"key\":\"" : "\"name\":\"", *e;

			if (depth == 2 && !strncmp(p, "\"side_stack\":true", 17))
				side_stack = true;
			if (depth == 2 && !strncmp(p, field, strlen(field)) &&
			    (e = strchr(p + strlen(field), '"'))) {
				item = p + strlen(field);
				item_end = e;
				p = e;
				continue;
			}
			for (p++; *p && *p != '"'; p++)
				if (*p == '\\' && p[1])
					p++;
			if (!*p)
				break;
		}
	}
	return false;
}

/*
 * "// expect-points: NAME KEY..." lines: function NAME's continuation
 * points, in order, in the -O2 build's metadata; "// expect-side-stack:
 * NAME LOCAL..." lines: its locals on the side stack (analyze.c), in order.
 */
static bool check_meta_lists(struct test_ctx *ctx, const char *src)
{
	static const struct {
		const char *marker, *list, *what;
	} kinds[] = {
		{ "// expect-points:", "cps", "continuation points" },
		{ "// expect-side-stack:", "locals", "locals on the side stack" },
	};
	struct cmd_result r = { 0 };
	char *text = read_file(src, NULL);
	bool ok = true, built = false;

	if (!ASSERT_TRUE(text != NULL, src))
		return false;
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]) && ok; k++) {
		const char *marker = kinds[k].marker;

		if (!strstr(text, marker))
			continue;
		if (!built && !(ok = built = case_meta(ctx, src, "-O2", &r)))
			break;
		for (const char *m = strstr(text, marker); m; m = strstr(m + 1, marker)) {
			char name[256], want[1024], got[1024];
			const char *p = m + strlen(marker), *e = strchr(p, '\n');
			int used;

			if (sscanf(p, " %255[A-Za-z0-9_]%n", name, &used) != 1) {
				ok = test_fail_at(__FILE__, __LINE__, "%s: malformed \"%s\" line",
						  src, marker);
				continue;
			}
			p += used;
			snprintf(want, sizeof(want), "%.*s", e ? (int)(e - p) : (int)strlen(p), p);
			while (*want && want[strlen(want) - 1] == ' ')
				want[strlen(want) - 1] = 0;
			if (!meta_list(r.out, name, kinds[k].list, got, sizeof(got)))
				ok = test_fail_at(__FILE__, __LINE__, "%s() not in the metadata", name);
			else if (strcmp(got, want))
				ok = test_fail_at(__FILE__, __LINE__, "%s(): %s \"%s\", expected \"%s\"",
						  name, kinds[k].what, got + !!*got, want + !!*want);
		}
	}
	if (!ok && built)
		test_log("metadata:\n%s", r.out);
	cmd_result_free(&r);
	free(text);
	return ok;
}

static enum test_result run_case(struct test_ctx *ctx)
{
	const char *src = ctx->data;
	char *out_o2 = NULL, *out_o0 = NULL;
	enum test_result res = TEST_FAIL;
	struct case_spec spec;
	bool ok;

	if (!have_upstare_cc() || !load_case(ctx, src, &spec))
		return TEST_FAIL;
	ok = diff_at(ctx, src, &spec, "-O2", "", &out_o2);
	ok = diff_at(ctx, src, &spec, "-O0", "", &out_o0) && ok;
	/*
	 * The saves as code (--no-records): the same again, at -O0 with no
	 * rebuild entry; and at -O2 with one in every function that can have
	 * one (instrumentor.rst, "Rebuild entries").
	 */
	for (int i = 0; i < 3; i++) {
		static const char *const extra[] = {
			" --no-records", " --no-records --rebuild-entries=none",
			" --rebuild-entries=all",
		};
		char *out = NULL;

		ok = diff_at(ctx, src, &spec, i == 1 ? "-O0" : "-O2", extra[i], &out) && ok;
		free(out);
	}
	if (out_o2 && out_o0 &&
	    !same_output("plain builds (the case is not deterministic)", "-O2", out_o2, "-O0",
			 out_o0))
		ok = false;
	ok = check_meta_lists(ctx, src) && ok;
	if (ok)
		res = TEST_PASS;
	free(out_o2);
	free(out_o0);
	return res;
}

/* ------------------------------------------------------------ memcheck */

static enum test_result run_memcheck_case(struct test_ctx *ctx)
{
	const char *src = ctx->data;
	struct cmd_result plain = { 0 }, mc = { 0 };
	char pbin[320], ibin[320], prefix[160];
	enum test_result res = TEST_FAIL;
	struct case_spec spec;
	bool ok;

	if (!have_upstare_cc())
		return TEST_FAIL;
	if (run_cmd(&mc, 30, "valgrind --version") || mc.status) {
		cmd_result_free(&mc);
		return test_skip("valgrind is not installed (Debian package valgrind)");
	}
	cmd_result_free(&mc);
	if (!load_case(ctx, src, &spec))
		return TEST_FAIL;
	snprintf(pbin, sizeof(pbin), "%s/plain", ctx->tmpdir);
	snprintf(ibin, sizeof(ibin), "%s/upstare", ctx->tmpdir);
	if (!build("plain build", plain_cc(), "-O2", spec.cflags, src, pbin) ||
	    !build("upstare-cc build", upstare_cc(), "-O2 -g -gdwarf-4", spec.cflags, src, ibin))
		return TEST_FAIL;
	if (!run_prog(ctx, &spec, "", pbin, &plain))
		goto out;
	if (!ASSERT_EQ(plain.status, spec.status, "plain build's exit status"))
		goto out;
	snprintf(prefix, sizeof(prefix), "UPSTARE_SELFTEST_UNWIND=%d valgrind -q "
		 "--error-exitcode=%d --child-silent-after-fork=yes ",
		 spec.unwind ? spec.unwind : 1, MEMCHECK_ERROR);
	if (!run_prog_under(ctx, &spec, prefix, ibin, MEMCHECK_TIMEOUT_S, &mc))
		goto out;
	ok = ASSERT_TRUE(mc.status != MEMCHECK_ERROR || spec.status == MEMCHECK_ERROR,
			 "memcheck finds no error");
	ok = same_output("under memcheck", "plain  ", plain.out, "upstare", mc.out) && ok;
	ok = same_status("under memcheck", &plain, &mc) && ok;
	if (!ok && mc.err && *mc.err)
		test_log("valgrind's stderr:\n%s", mc.err);
	if (ok)
		res = TEST_PASS;
out:
	cmd_result_free(&plain);
	cmd_result_free(&mc);
	return res;
}

/* ---------------------------------------------------------- error cases */

struct error_spec {
	char text[256];		/* what the error message must contain */
	int line;		/* the line it must point at, or 0 */
};

static bool parse_error_spec(const char *path, const char *src, struct error_spec *es)
{
	static const char marker[] = "// expect-error:";
	const char *m = strstr(src, marker), *bol, *p;
	size_t n;

	memset(es, 0, sizeof(*es));
	if (!m) {
		test_log("%s: no \"%s\" line", path, marker);
		return false;
	}
	for (bol = m; bol > src && bol[-1] != '\n'; bol--)
		;
	for (p = bol; p < m && isspace((unsigned char)*p); p++)
		;
	if (p < m) {
		es->line = 1;
		for (p = src; p < m; p++)
			es->line += *p == '\n';
	}
	for (m += strlen(marker); *m == ' ' || *m == '\t'; m++)
		;
	n = strcspn(m, "\n");
	while (n && isspace((unsigned char)m[n - 1]))
		n--;
	if (!n || n >= sizeof(es->text)) {
		test_log("%s: empty or overlong expect-error text", path);
		return false;
	}
	memcpy(es->text, m, n);
	es->text[n] = 0;
	return true;
}

/*
 * Find "NAME:LINE:COL: error:" in the diagnostics, NAME being the case
 * file's name (alone or at the end of a path).  Returns the line, or 0.
 */
static int error_location(const char *diag, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = diag; (p = strstr(p, name)); p += len) {
		const char *q = p + len;
		int line, col, used = 0;

		if (p > diag && p[-1] != '/' && p[-1] != '\n' && p[-1] != ' ')
			continue;
		if (sscanf(q, ":%d:%d: error:%n", &line, &col, &used) == 2 && used &&
		    line > 0 && col > 0)
			return line;
	}
	return 0;
}

static enum test_result run_error_case(struct test_ctx *ctx)
{
	const char *src = ctx->data, *name = strrchr(src, '/') + 1;
	struct cmd_result bad = { 0 }, plain = { 0 };
	char prog[300], pbin[300], ibin[300], *text;
	struct case_spec spec = { .unwind = 1 };
	struct error_spec es;
	int line;
	bool ok;

	if (!have_upstare_cc())
		return TEST_FAIL;
	text = read_file(src, NULL);
	if (!ASSERT_TRUE(text != NULL, src))
		return TEST_FAIL;
	ok = parse_error_spec(src, text, &es);
	free(text);
	if (!ok)
		return TEST_FAIL;

	snprintf(prog, sizeof(prog), "%s/rejected", ctx->tmpdir);
	if (!ASSERT_OK(run_cmd(&bad, BUILD_TIMEOUT_S, "%s -O2 %s -o '%s' '%s'", upstare_cc(),
			       base_flags, prog, src), "run upstare-cc"))
		return TEST_FAIL;
	ok = ASSERT_TRUE(!bad.timed_out, "upstare-cc finishes");
	if (ok && (bad.status == 0 || bad.status > 127)) {
		ok = test_fail_at(__FILE__, __LINE__, "upstare-cc exited with status %d, "
				  "expected an error exit (1..127); stderr:\n%s",
				  bad.status, bad.err);
	}
	ok = ASSERT_STRSTR(bad.err, es.text, "error text") && ok;
	line = error_location(bad.err, name);
	if (!line)
		ok = test_fail_at(__FILE__, __LINE__, "no \"%s:LINE:COL: error:\" in:\n%s", name,
				  bad.err);
	else if (es.line)
		ok = ASSERT_EQ(line, es.line, "line the error points at") && ok;
	ok = ASSERT_TRUE(access(prog, F_OK) != 0, "no output file after an error") && ok;
	cmd_result_free(&bad);
	if (!ok)
		return TEST_FAIL;

	snprintf(pbin, sizeof(pbin), "%s/plain", ctx->tmpdir);
	snprintf(ibin, sizeof(ibin), "%s/allowed", ctx->tmpdir);
	if (!build("plain build", plain_cc(), "-O2", "", src, pbin))
		return TEST_FAIL;
	if (!ASSERT_OK(run_cmd(&bad, BUILD_TIMEOUT_S, "%s --allow-unsupported -O2 %s -o '%s' '%s'",
			       upstare_cc(), base_flags, ibin, src), "run upstare-cc"))
		return TEST_FAIL;
	ok = ASSERT_EQ(bad.status, 0, "exit status with --allow-unsupported");
	ok = ASSERT_STRSTR(bad.err, "warning", "warning with --allow-unsupported") && ok;
	cmd_result_free(&bad);
	if (!ok)
		return TEST_FAIL;

	ok = run_prog(ctx, &spec, "", pbin, &plain) &&
	     compare_instr(ctx, &spec, "--allow-unsupported build", &plain, ibin, 0) &&
	     compare_instr(ctx, &spec, "--allow-unsupported build with UPSTARE_SELFTEST_UNWIND=1",
			   &plain, ibin, -(spec.unwind ? spec.unwind : 1));
	cmd_result_free(&plain);
	return ok ? TEST_PASS : TEST_FAIL;
}

/* ------------------------------------------------ reconstructibility */

/*
 * Every selftests/cases/nr/NAME.c names, in lines
 *
 *	// expect-nr: FUNCTION...
 *	// expect-rebuildable: FUNCTION...
 *
 * the functions upstare-cc must mark non-reconstructible (callbacks entered
 * from library code, frames it cannot rebuild) and those it must not.  The
 * case instr-nr/NAME compiles it and reads the .upstare metadata back with
 * --dump-meta.  Marking too little lets an update unwind through library
 * frames; marking too much makes a function needlessly block updates.
 */

/* "reconstructible" of function NAME in the metadata: 1, 0, or -1 if absent. */
static int meta_reconstructible(const char *meta, const char *name)
{
	char key[300];
	const char *p, *r;

	snprintf(key, sizeof(key), "{\"name\":\"%s\",", name);
	p = strstr(meta, key);
	if (!p)
		return -1;
	r = strstr(p, "\"reconstructible\":");
	if (!r)
		return -1;
	r += strlen("\"reconstructible\":");
	return !strncmp(r, "true", 4) ? 1 : !strncmp(r, "false", 5) ? 0 : -1;
}

/* Is function NAME marked as WANT (1: reconstructible, 0: not)? */
static bool check_nr(const char *meta, const char *name, int want)
{
	int got = meta_reconstructible(meta, name);

	if (got < 0)
		return test_fail_at(__FILE__, __LINE__, "%s not in the metadata", name);
	if (got != want)
		return test_fail_at(__FILE__, __LINE__, "%s: marked %s, expected %s", name,
				    got ? "reconstructible" : "non-reconstructible",
				    want ? "reconstructible" : "non-reconstructible");
	return true;
}

/* CHECK each name listed after MARKER in SRC against the metadata. */
static bool check_marked(const char *src, const char *marker, const char *meta,
			 bool (*check)(const char *meta, const char *name, int want), int want)
{
	bool ok = true;
	int nfound = 0;

	for (const char *m = strstr(src, marker); m; m = strstr(m, marker)) {
		char name[256];
		const char *p = m + strlen(marker);
		int used;

		while (sscanf(p, " %255[A-Za-z0-9_]%n", name, &used) == 1) {
			nfound++;
			ok = check(meta, name, want) && ok;
			p += used;
			if (*p == '\n')
				break;
		}
		m = p;
	}
	if (!nfound)
		ok = test_fail_at(__FILE__, __LINE__, "no \"%s\" line", marker);
	return ok;
}

static bool check_nr_case(const char *src, const char *meta)
{
	bool ok = check_marked(src, "// expect-nr:", meta, check_nr, 0);

	return check_marked(src, "// expect-rebuildable:", meta, check_nr, 1) && ok;
}

/* Compile case SRC (ctx->data) and CHECK its metadata against its text. */
static enum test_result run_meta_case(struct test_ctx *ctx,
				      bool (*check)(const char *src, const char *meta))
{
	const char *src = ctx->data;
	struct cmd_result r = { 0 };
	char *text;
	bool ok;

	if (!have_upstare_cc())
		return TEST_FAIL;
	text = read_file(src, NULL);
	if (!ASSERT_TRUE(text != NULL, src))
		return TEST_FAIL;
	ok = case_meta(ctx, src, "-O0", &r);
	if (ok && !(ok = check(text, r.out)))
		test_log("metadata:\n%s", r.out);
	cmd_result_free(&r);
	free(text);
	return ok ? TEST_PASS : TEST_FAIL;
}

static enum test_result run_nr_case(struct test_ctx *ctx)
{
	return run_meta_case(ctx, check_nr_case);
}

/* ------------------------------------------------------------ globals */

/*
 * Every selftests/cases/globals/NAME.c lists, in lines
 *
 *	// expect-global: NAME TYPE
 *	// expect-no-global: NAME...
 *
 * the variables the unit defines, each of which the metadata's globals
 * must list exactly once with that type, and those it must not list
 * (declared, not defined).  The case instr-globals/NAME compiles it and
 * reads the .upstare metadata back with --dump-meta.  A definition missing
 * there is a global whose type change the patch linker cannot see.
 */

/* How many globals named NAME the metadata lists, and the type of the last. */
static int meta_global(const char *meta, const char *name, char *type, size_t size)
{
	const char *p = strstr(meta, "\"globals\":["), *end;
	char key[300];
	int n = 0;

	end = p ? strstr(p, "],\"types\":[") : NULL;
	if (!end)
		return -1;
	snprintf(key, sizeof(key), "{\"name\":\"%s\",", name);
	for (; (p = strstr(p, key)) && p < end; p++) {
		const char *t = strstr(p, "\"type\":\""), *e;

		n++;
		if (t && (e = strchr(t += strlen("\"type\":\""), '"')))
			snprintf(type, size, "%.*s", (int)(e - t), t);
	}
	return n;
}

/* A variable the unit only declares: not among the metadata's globals. */
static bool check_unlisted(const char *meta, const char *name, int unused)
{
	char got[256];

	(void)unused;
	if (meta_global(meta, name, got, sizeof(got)) != 0)
		return test_fail_at(__FILE__, __LINE__, "%s: listed as a global, but the unit "
				    "only declares it", name);
	return true;
}

static bool check_globals(const char *src, const char *meta)
{
	const char *want = "// expect-global: ";
	bool ok = true;
	int nfound = 0;

	for (const char *m = strstr(src, want); m; m = strstr(m, want)) {
		char name[256], type[256], got[256] = "";
		int n;

		m += strlen(want);
		if (sscanf(m, "%255s %255[^\n]", name, type) != 2) {
			ok = test_fail_at(__FILE__, __LINE__, "bad expect-global line: %.40s", m);
			continue;
		}
		nfound++;
		n = meta_global(meta, name, got, sizeof(got));
		if (n != 1)
			ok = test_fail_at(__FILE__, __LINE__, "global %s: listed %d times, "
					  "expected once", name, n);
		else if (strcmp(got, type))
			ok = test_fail_at(__FILE__, __LINE__, "global %s: type \"%s\", expected "
					  "\"%s\"", name, got, type);
	}
	if (!nfound)
		ok = test_fail_at(__FILE__, __LINE__, "no \"%s\" line", want);
	return check_marked(src, "// expect-no-global:", meta, check_unlisted, 0) && ok;
}

static enum test_result run_globals_case(struct test_ctx *ctx)
{
	return run_meta_case(ctx, check_globals);
}

/* ---------------------------------------------------------- registration */

static int is_case_file(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 2 && d->d_name[0] != '.' && !strcmp(d->d_name + n - 2, ".c");
}

static void register_dir(const char *dir, const char *prefix,
			 enum test_result (*run)(struct test_ctx *), bool long_only)
{
	struct dirent **ents;
	int n;

	n = scandir(dir, &ents, is_case_file, alphasort);
	if (n < 0)
		return;
	for (int i = 0; i < n; i++) {
		struct test *t = calloc(1, sizeof(*t));
		char *name, *path;

		if (!t || asprintf(&name, "%s/%.*s", prefix, (int)strlen(ents[i]->d_name) - 2,
				   ents[i]->d_name) < 0)
			abort();
		if (asprintf(&path, "%s/%s", dir, ents[i]->d_name) < 0)
			abort();
		t->name = name;
		t->run = run;
		t->long_only = long_only;
		t->data = path;
		test_register(t);
		free(ents[i]);
	}
	free(ents);
}

__attribute__((constructor)) static void register_instr_cases(void)
{
	char dir[4200];

	snprintf(dir, sizeof(dir), "%s/selftests/cases", upstare_src_dir());
	register_dir(dir, "instr", run_case, false);
	register_dir(dir, "memcheck", run_memcheck_case, true);
	snprintf(dir + strlen(dir), sizeof(dir) - strlen(dir), "/errors");
	register_dir(dir, "instr-error", run_error_case, false);
	snprintf(dir, sizeof(dir), "%s/selftests/cases/nr", upstare_src_dir());
	register_dir(dir, "instr-nr", run_nr_case, false);
	snprintf(dir, sizeof(dir), "%s/selftests/cases/globals", upstare_src_dir());
	register_dir(dir, "instr-globals", run_globals_case, false);
}
