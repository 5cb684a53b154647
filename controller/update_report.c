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

#include "update_internal.h"

static const char *const result_names[] = {
	[UPSTARE_RES_NONE] = "none",
	[UPSTARE_RES_APPLIED] = "applied",
	[UPSTARE_RES_ROLLED_BACK] = "rolled-back",
	[UPSTARE_RES_REFUSED] = "refused",
	[UPSTARE_RES_TIMEOUT] = "timeout",
	[UPSTARE_RES_RELEASED] = "released",
};

static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	fputc('"', f);
}

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

static void json_reasons(FILE *f, const struct target *t, int n, const char *extra)
{
	int first = 1;

	fputs("\"reasons\":[", f);
	/* one element per line of extra */
	for (const char *p = extra; p && *p;) {
		size_t len = strcspn(p, "\n");
		char *line = strndup(p, len);

		if (!line)
			break;
		if (!first)
			fputc(',', f);
		put_str(f, line);
		free(line);
		first = 0;
		p += len + (p[len] == '\n');
	}
	for (int i = 0; i < n; i++)
		for (const char *p = t[i].c.reasons; *p;) {
			size_t len = strcspn(p, "\n");
			char *line;

			if ((n > 1 ? asprintf(&line, "pid %d: %.*s", t[i].pid, (int)len, p) :
				     asprintf(&line, "%.*s", (int)len, p)) < 0)
				break;
			if (!first)
				fputc(',', f);
			put_str(f, line);
			free(line);
			first = 0;
			p += len + (p[len] == '\n');
		}
	fputc(']', f);
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
 * The stacks kept at the check barrier (format in upstare-ctl.h): as JSON,
 * "stacks":[{"pid","tid","role","comm","frames":[{"function","file",
 * "line","key","unmappable"}]}], innermost frame first; else as text.
 */
static void print_stacks(FILE *f, int json, const struct target *t, int n)
{
	int first = 1;

	if (json)
		fputs(",\"stacks\":[", f);
	for (int i = 0; i < n; i++) {
		int in_thread = 0, nframes = 0;

		for (const char *p = t[i].stacks; p && *p;) {
			size_t len = strcspn(p, "\n");
			char *line = strndup(p, len), *q = line, *v[6] = { 0 };

			p += len + (p[len] == '\n');
			for (int k = 0; q && k < 6; k++)
				v[k] = strsep(&q, "\t");
			if (!line || !v[0]) {
			} else if (!strcmp(v[0], "thread") && v[3]) {
				if (!json) {
					fprintf(f, "pid %d thread %s (%s, %s):\n", t[i].pid, v[1],
						v[3], v[2]);
				} else {
					fputs(in_thread ? "]}" : "", f);
					fprintf(f, "%s{\"pid\":%d,\"tid\":%d,\"role\":",
						first ? "" : ",", t[i].pid, atoi(v[1]));
					put_str(f, v[2]);
					fputs(",\"comm\":", f);
					put_str(f, v[3]);
					fputs(",\"frames\":[", f);
				}
				in_thread = 1;
				nframes = 0;
				first = 0;
			} else if (!strcmp(v[0], "frame") && in_thread && v[5]) {
				if (!json) {
					fprintf(f, "\t%s() %s:%s at %s%s%s\n", v[1], v[2], v[3],
						v[4], *v[5] ? ": cannot be converted: " : "", v[5]);
				} else {
					fprintf(f, "%s{\"function\":", nframes ? "," : "");
					put_str(f, v[1]);
					fputs(",\"file\":", f);
					put_str(f, v[2]);
					fprintf(f, ",\"line\":%ld,\"key\":", atol(v[3]));
					put_str(f, v[4]);
					fputs(",\"unmappable\":", f);
					if (*v[5])
						put_str(f, v[5]);
					else
						fputs("null", f);
					fputc('}', f);
				}
				nframes++;
			}
			free(line);
		}
		if (in_thread && json)
			fputs("]}", f);
	}
	if (json)
		fputc(']', f);
}

void update_report(FILE *f, int json, const char *result, const struct target *t, int n,
		   const char *extra)
{
	int stacks = 0;

	for (int i = 0; i < n; i++)
		stacks |= t[i].stacks != NULL;

	if (!json) {
		fprintf(f, "update %s", result);
		if (n && !strcmp(result, "applied"))
			fprintf(f, ": %d process%s, generation %u, pause %ld us", n,
				n > 1 ? "es" : "", t[0].c.generation,
				span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fputc('\n', f);
		if (extra)
			fprintf(f, "%s\n", extra);
		for (int i = 0; i < n; i++)
			if (t[i].c.reasons[0] && n > 1)
				fprintf(f, "pid %d: %s\n", t[i].pid, t[i].c.reasons);
			else if (t[i].c.reasons[0])
				fprintf(f, "%s\n", t[i].c.reasons);
		if (stacks)
			print_stacks(f, 0, t, n);
		return;
	}
	fprintf(f, "{\"result\":\"%s\"", result);
	if (n) {
		unsigned threads = 0, parked = 0;

		for (int i = 0; i < n; i++) {
			threads += t[i].c.nthreads;
			parked += t[i].c.nparked;
		}
		fprintf(f, ",\"generation\":%u,\"build_id\":\"%s\",\"threads\":%u,\"parked\":%u",
			t[0].c.generation, t[0].c.build_id, threads, parked);
		fprintf(f, ",\"pause_us\":%ld",
			span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fprintf(f, ",\"phases_us\":{\"prepare\":%ld,\"quiesce\":%ld,\"check\":%ld,"
			"\"transform\":%ld,\"rebuild\":%ld}",
			span_us(t, n, UPSTARE_T_REQUEST, UPSTARE_T_PREPARED),
			span_us(t, n, UPSTARE_T_PREPARED, UPSTARE_T_ALL_PARKED),
			span_us(t, n, UPSTARE_T_ALL_PARKED, UPSTARE_T_CHECKED),
			span_us(t, n, UPSTARE_T_CHECKED, UPSTARE_T_TRANSFORMED),
			span_us(t, n, UPSTARE_T_TRANSFORMED, UPSTARE_T_RESUMED));
		fputs(",\"processes\":[", f);
		for (int i = 0; i < n; i++)
			fprintf(f, "%s{\"pid\":%d,\"result\":\"%s\",\"parked\":%u,\"pause_us\":%ld}",
				i ? "," : "", t[i].pid, result_name(t[i].c.result),
				t[i].c.nparked,
				span_us(&t[i], 1, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fputc(']', f);
	}
	if (stacks)
		print_stacks(f, 1, t, n);
	fputc(',', f);
	json_reasons(f, t, n, extra);
	fputs("}\n", f);
}

