// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the constraint-file parser (and, on what parses, the
 * printer, evaluator and validator).  Beyond "no crash, no leak, no hang"
 * (AddressSanitizer, UBSan and libFuzzer's limits), it checks properties:
 *
 *  - an invalid file yields at least one diagnostic, at most
 *    CONS_MAX_ERRORS + 1, each at a real position (line and column >= 1);
 *  - a valid file prints to canonical text that parses again without
 *    error and prints to the same text.
 *
 * Built by `make` as build/fuzz/cons-fuzz; the constraints/fuzz selftests run it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"

static char *print_to_string(const struct cons_file *cf, size_t *len)
{
	char *s = NULL;
	FILE *f = open_memstream(&s, len);

	if (!f)
		abort();
	cons_print(cf, f);
	if (fclose(f))
		abort();
	return s;
}

static void check_diags(const struct cons_diags *d, size_t size)
{
	if (!d->n || d->n > CONS_MAX_ERRORS + 1) {
		fprintf(stderr, "invalid input with %zu diagnostics\n", d->n);
		abort();
	}
	for (size_t i = 0; i < d->n; i++)
		if (!d->v[i].loc.line || !d->v[i].loc.col || d->v[i].loc.line > size + 1 ||
		    !d->v[i].msg || !d->v[i].msg[0]) {
			fprintf(stderr, "diagnostic without a position: %u:%u: %s\n",
				d->v[i].loc.line, d->v[i].loc.col, d->v[i].msg);
			abort();
		}
}

/* A fixed snapshot and program, so evaluation and validation run too. */
static const struct cons_frame frames_a[] = {
	{ "send_file", "src/transfer.c", 140, "sendfile#1" },
	{ "handle_client", "src/server.c", 88, "send_file#2" },
	{ "worker_main", "src/server.c", 30, "handle_client#1" },
};
static const struct cons_frame frames_b[] = {
	{ NULL, NULL, 0, NULL },
	{ "accept_loop", "/abs/src/server.c", 50, "accept#1" },
	{ "main", "server.c", 12, "accept_loop#1" },
};
static const struct cons_thread threads[] = {
	{ 101, "worker", "worker_main", frames_a, 3 },
	{ 100, "acceptor", "main", frames_b, 3 },
	{ 102, NULL, NULL, NULL, 0 },
};
static const struct cons_prog_cp cps_send[] = { { "entry", 130 }, { "sendfile#1", 140 } };
static const struct cons_prog_cp cps_handle[] = { { "entry", 80 }, { "send_file#2", 88 } };
static const struct cons_prog_func funcs[] = {
	{ "send_file", "src/transfer.c", 130, 160, cps_send, 2 },
	{ "handle_client", "src/server.c", 80, 100, cps_handle, 2 },
	{ "main", "src/server.c", 5, 20, NULL, 0 },
};

static void exercise(struct cons_file *cf)
{
	struct cons_snapshot snap = { threads, 3 };
	struct cons_program prog = { "fuzz", funcs, 3 };
	struct cons_unmapped u = { "handle_client", "send_file#2", "server.c", 88, "gone" };
	struct cons_diags d = { 0 };
	struct cons_result res;
	char *s = NULL;
	size_t n;
	FILE *f;

	if (cons_eval(cf, &snap, &res) < 0)
		abort();
	for (size_t i = 0; i < res.n; i++)
		if (!res.v[i].reason || !res.v[i].rule)
			abort();
	cons_result_free(&res);
	if (cons_validate(cf, &prog, &d) < 0)
		abort();
	cons_diags_free(&d);
	if (cons_lint(cf, &prog, &d) < 0 || cons_lint(cf, NULL, &d) < 0)
		abort();
	cons_diags_free(&d);
	if (cons_add_automatic(cf, &u, 1))
		abort();
	f = open_memstream(&s, &n);
	if (!f)
		abort();
	cons_explain(cf, f);
	cons_dump(cf, f);
	fclose(f);
	free(s);
	for (unsigned a = 0; a < 40; a++)
		if (cons_retry_delay_us(cf, a) > cf->retry_max_us && cf->retry_max_us >= cf->retry_us)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cons_diags d1 = { 0 }, d2 = { 0 };
	struct cons_file *cf, *cf2;
	char *p1, *p2;
	size_t l1, l2;

	cf = cons_parse("fuzz", (const char *)data, size, &d1);
	if (!cf) {
		check_diags(&d1, size);
		cons_diags_free(&d1);
		return 0;
	}
	if (d1.n)
		abort();
	p1 = print_to_string(cf, &l1);
	cf2 = cons_parse("printed", p1, l1, &d2);
	if (!cf2) {
		fprintf(stderr, "canonical text does not parse:\n%s", p1);
		cons_diags_print(&d2, stderr);
		abort();
	}
	p2 = print_to_string(cf2, &l2);
	if (l1 != l2 || memcmp(p1, p2, l1)) {
		fprintf(stderr, "printing is not stable:\n%s---\n%s", p1, p2);
		abort();
	}
	exercise(cf);
	free(p1);
	free(p2);
	cons_free(cf);
	cons_free(cf2);
	cons_diags_free(&d1);
	cons_diags_free(&d2);
	return 0;
}
