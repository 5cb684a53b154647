// SPDX-License-Identifier: GPL-2.0
/*
 * The report of an update, as text or as the JSON of upstarectl update
 * --json: the group's result, each process's answer and the time of each
 * phase (the control blocks' t_ns[]), the stacks kept at the check barrier
 * (--stacks, partial updates), and the reasons.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "update_internal.h"

static const char *const result_names[] = {
	[UPSTARE_RES_NONE] = "none",
	[UPSTARE_RES_APPLIED] = "applied",
	[UPSTARE_RES_ROLLED_BACK] = "rolled-back",
	[UPSTARE_RES_REFUSED] = "refused",
	[UPSTARE_RES_TIMEOUT] = "timeout",
	[UPSTARE_RES_RELEASED] = "released",
};

/* Time in us from step a of the earliest target to step b of the latest. */
static long span_us(const struct target *t, int n, int a, int b)
{
	uint64_t lo = 0, hi = 0;

	for (int i = 0; i < n; i++) {
		if (!t[i].c.t_ns[a] || !t[i].c.t_ns[b])
			return -1;
		if (!lo || t[i].c.t_ns[a] < lo)
			lo = t[i].c.t_ns[a];
		if (t[i].c.t_ns[b] > hi)
			hi = t[i].c.t_ns[b];
	}
	return n && hi >= lo ? (long)((hi - lo) / 1000) : -1;
}

/* "reasons": one element per line of extra, then of each target's reasons. */
static void json_reasons(struct jbuf *b, const struct target *t, int n, const char *extra)
{
	jb_key(b, "reasons");
	jb_open(b, '[');
	for (const char *p = extra; p && *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);

		if (!line)
			break;
		jb_elem(b);
		jb_str(b, line);
		free(line);
		p += len + (p[len] == '\n');
	}
	for (int i = 0; i < n; i++)
		for (const char *p = t[i].c.reasons; *p;) {
			size_t len = strcspn(p, "\n");
			char *line;

			if ((n > 1 ? asprintf(&line, "pid %d: %.*s", t[i].pid, (int)len, p) :
				     asprintf(&line, "%.*s", (int)len, p)) < 0)
				break;
			jb_elem(b);
			jb_str(b, line);
			free(line);
			p += len + (p[len] == '\n');
		}
	jb_close(b, ']');
}

static const char *result_name(uint32_t r)
{
	return r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "none";
}

const char *update_group_result(const struct target *t, int n)
{
	static const uint32_t order[] = { UPSTARE_RES_REFUSED, UPSTARE_RES_TIMEOUT,
					  UPSTARE_RES_RELEASED, UPSTARE_RES_ROLLED_BACK,
					  UPSTARE_RES_NONE };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (int i = 0; i < n; i++)
			if (t[i].c.result == order[k])
				return result_name(order[k]);
	return "applied";
}

/*
 * The stacks kept at the check barrier (format in upstare-ctl.h): with b,
 * as JSON, "stacks":[{"pid","tid","role","comm","frames":[{"function",
 * "file","line","key","unmappable"}]}], innermost frame first; else as
 * text on f.
 */
static void print_stacks(FILE *f, struct jbuf *b, const struct target *t, int n)
{
	if (b) {
		jb_key(b, "stacks");
		jb_open(b, '[');
	}
	for (int i = 0; i < n; i++) {
		int in_thread = 0;

		for (const char *p = t[i].stacks; p && *p;) {
			size_t len = strcspn(p, "\n");
			char *line = strndup(p, len), *q = line, *v[6] = { 0 };

			p += len + (p[len] == '\n');
			for (int k = 0; q && k < 6; k++)
				v[k] = strsep(&q, "\t");
			if (!line || !v[0]) {
			} else if (!strcmp(v[0], "thread") && v[3]) {
				if (!b) {
					fprintf(f, "pid %d thread %s (%s, %s):\n", t[i].pid, v[1],
						v[3], v[2]);
				} else {
					if (in_thread) {
						jb_close(b, ']');
						jb_close(b, '}');
					}
					jb_elem(b);
					jb_open(b, '{');
					jb_kint(b, "pid", t[i].pid);
					jb_kint(b, "tid", atoi(v[1]));
					jb_kstr(b, "role", v[2]);
					jb_kstr(b, "comm", v[3]);
					jb_key(b, "frames");
					jb_open(b, '[');
				}
				in_thread = 1;
			} else if (!strcmp(v[0], "frame") && in_thread && v[5]) {
				if (!b) {
					fprintf(f, "\t%s() %s:%s at %s%s%s\n", v[1], v[2], v[3],
						v[4], *v[5] ? ": cannot be converted: " : "", v[5]);
				} else {
					jb_elem(b);
					jb_open(b, '{');
					jb_kstr(b, "function", v[1]);
					jb_kstr(b, "file", v[2]);
					jb_kint(b, "line", atol(v[3]));
					jb_kstr(b, "key", v[4]);
					jb_kstr(b, "unmappable", *v[5] ? v[5] : NULL);
					jb_close(b, '}');
				}
			}
			free(line);
		}
		if (in_thread && b) {
			jb_close(b, ']');
			jb_close(b, '}');
		}
	}
	if (b)
		jb_close(b, ']');
}

static void report_text(FILE *f, const char *result, const struct target *t, int n,
			const char *extra, int stacks)
{
	fprintf(f, "update %s", result);
	if (n && !strcmp(result, "applied"))
		fprintf(f, ": %d process%s, generation %u, pause %ld us", n, n > 1 ? "es" : "",
			t[0].c.generation, span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
	fputc('\n', f);
	if (extra)
		fprintf(f, "%s\n", extra);
	for (int i = 0; i < n; i++)
		if (t[i].c.reasons[0] && n > 1)
			fprintf(f, "pid %d: %s\n", t[i].pid, t[i].c.reasons);
		else if (t[i].c.reasons[0])
			fprintf(f, "%s\n", t[i].c.reasons);
	if (stacks)
		print_stacks(f, NULL, t, n);
}

/* One object on one line: its fields are in upstarectl-update.rst (--json). */
static void report_json(FILE *f, const char *result, const struct target *t, int n,
			const char *extra, int stacks)
{
	struct jbuf b = {};

	jb_open(&b, '{');
	jb_kstr(&b, "result", result);
	if (n) {
		unsigned threads = 0, parked = 0;

		for (int i = 0; i < n; i++) {
			threads += t[i].c.nthreads;
			parked += t[i].c.nparked;
		}
		jb_kint(&b, "generation", t[0].c.generation);
		jb_kstr(&b, "build_id", t[0].c.build_id);
		jb_kint(&b, "threads", threads);
		jb_kint(&b, "parked", parked);
		jb_kint(&b, "pause_us", span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		jb_key(&b, "phases_us");
		jb_open(&b, '{');
		jb_kint(&b, "prepare", span_us(t, n, UPSTARE_T_REQUEST, UPSTARE_T_PREPARED));
		jb_kint(&b, "quiesce", span_us(t, n, UPSTARE_T_PREPARED, UPSTARE_T_ALL_PARKED));
		jb_kint(&b, "check", span_us(t, n, UPSTARE_T_ALL_PARKED, UPSTARE_T_CHECKED));
		jb_kint(&b, "transform", span_us(t, n, UPSTARE_T_CHECKED, UPSTARE_T_TRANSFORMED));
		jb_kint(&b, "rebuild", span_us(t, n, UPSTARE_T_TRANSFORMED, UPSTARE_T_RESUMED));
		jb_close(&b, '}');
		jb_key(&b, "processes");
		jb_open(&b, '[');
		for (int i = 0; i < n; i++) {
			jb_elem(&b);
			jb_open(&b, '{');
			jb_kint(&b, "pid", t[i].pid);
			jb_kstr(&b, "result", result_name(t[i].c.result));
			jb_kint(&b, "parked", t[i].c.nparked);
			jb_kint(&b, "pause_us",
				span_us(&t[i], 1, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
			jb_close(&b, '}');
		}
		jb_close(&b, ']');
	}
	if (stacks)
		print_stacks(NULL, &b, t, n);
	json_reasons(&b, t, n, extra);
	jb_close(&b, '}');
	fprintf(f, "%s\n", b.s);
	jb_free(&b);
}

void update_report(FILE *f, int json, const char *result, const struct target *t, int n,
		   const char *extra)
{
	int stacks = 0;

	for (int i = 0; i < n; i++)
		stacks |= t[i].stacks != NULL;
	if (json)
		report_json(f, result, t, n, extra, stacks);
	else
		report_text(f, result, t, n, extra, stacks);
}
