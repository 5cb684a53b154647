// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files printed: a rule as the language writes it (the
 * evaluator's reasons quote it), a whole file normalized or dumped, and
 * explained with its defaults and automatic constraints (--explain).
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "constraints_internal.h"

/* ------------------------------------------------------------- printing */

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static bool key_is_token(const char *k)
{
	const char *h = strchr(k, '#');

	return !strcmp(k, "entry") || (h && cons_is_ident_str(k, h - k) && h[1] &&
				       strspn(h + 1, "0123456789") == strlen(h + 1));
}

static bool file_is_token(const char *s)
{
	if (!cons_is_word_start((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!cons_is_word((unsigned char)*s))
			return false;
	return true;
}

static void print_key(FILE *f, const char *k)
{
	if (key_is_token(k))
		fputs(k, f);
	else
		put_string(f, k);
}

static void print_place(FILE *f, const struct cons_place *p)
{
	switch (p->kind) {
	case CONS_PLACE_FUNC:
		fputs(p->function, f);
		break;
	case CONS_PLACE_FUNC_KEY:
		fprintf(f, "%s at ", p->function);
		print_key(f, p->key);
		break;
	case CONS_PLACE_KEY:
		print_key(f, p->key);
		break;
	case CONS_PLACE_LINES:
		if (file_is_token(p->file))
			fputs(p->file, f);
		else
			put_string(f, p->file);
		if (p->first == p->last)
			fprintf(f, ":%u", p->first);
		else
			fprintf(f, ":%u-%u", p->first, p->last);
		break;
	}
}

void cons_print_who(FILE *f, const struct cons_who *w)
{
	switch (w->kind) {
	case CONS_WHO_ANY:
		fputs("any", f);
		break;
	case CONS_WHO_COMM:
		fputs("thread ", f);
		put_string(f, w->name);
		break;
	case CONS_WHO_TID:
		fprintf(f, "thread tid %ld", w->tid);
		break;
	case CONS_WHO_ROLE:
		fprintf(f, "thread role %s", w->name);
		break;
	}
}

void cons_print_region(FILE *f, const struct cons_clause *c)
{
	for (size_t i = 0; i < c->nplaces; i++) {
		if (i)
			fputs(", ", f);
		print_place(f, &c->places[i]);
	}
}

static void print_clause(FILE *f, const struct cons_clause *c)
{
	cons_print_who(f, &c->who);
	fputs(" in ", f);
	cons_print_region(f, c);
}

void cons_print_rule(FILE *f, const struct cons_rule *r)
{
	fputs(r->kind == CONS_FORBID ? "forbid " : "require ", f);
	if (r->conjunction) {
		fputs("{ ", f);
		for (size_t i = 0; i < r->nclauses; i++) {
			if (i)
				fputs(" ; ", f);
			print_clause(f, &r->clauses[i]);
		}
		fputs(" }", f);
	} else {
		print_clause(f, &r->clauses[0]);
	}
}

char *cons_rule_str(const struct cons_rule *r)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	cons_print_rule(f, r);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* A duration in the largest unit that keeps it exact. */
static void print_duration(FILE *f, uint64_t us)
{
	if (us && us % 60000000 == 0)
		fprintf(f, "%llum", (unsigned long long)(us / 60000000));
	else if (us % 1000000 == 0)
		fprintf(f, "%llus", (unsigned long long)(us / 1000000));
	else if (us % 1000 == 0)
		fprintf(f, "%llums", (unsigned long long)(us / 1000));
	else
		fprintf(f, "%lluus", (unsigned long long)us);
}

static void print_backoff(FILE *f, unsigned milli)
{
	if (milli % 1000 == 0)
		fprintf(f, "%u", milli / 1000);
	else
		fprintf(f, "%u.%03u", milli / 1000, milli % 1000);
}

void cons_print(const struct cons_file *cf, FILE *out)
{
	if (cf->has_timeout) {
		fputs("timeout ", out);
		print_duration(out, cf->timeout_us);
		fputc('\n', out);
	}
	if (cf->has_retry) {
		fputs("retry ", out);
		print_duration(out, cf->retry_us);
		fputs(" backoff ", out);
		print_backoff(out, cf->backoff_milli);
		fputs(" max ", out);
		print_duration(out, cf->retry_max_us);
		fputc('\n', out);
	}
	for (size_t i = 0; i < cf->nrules; i++) {
		if (cf->rules[i].origin)
			fputs("# automatic: ", out);
		cons_print_rule(out, &cf->rules[i]);
		fputc('\n', out);
	}
}

static const char *place_kind_name(enum cons_place_kind k)
{
	static const char *const n[] = { "function", "key", "function-key", "lines" };

	return n[k];
}

static const char *who_kind_name(enum cons_who_kind k)
{
	static const char *const n[] = { "any", "comm", "tid", "role" };

	return n[k];
}

void cons_dump(const struct cons_file *cf, FILE *out)
{
	fprintf(out, "timeout %llu us%s\n", (unsigned long long)cf->timeout_us,
		cf->has_timeout ? "" : " (default)");
	fprintf(out, "retry %llu us backoff %u/1000 max %llu us%s\n",
		(unsigned long long)cf->retry_us, cf->backoff_milli,
		(unsigned long long)cf->retry_max_us, cf->has_retry ? "" : " (default)");
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		fprintf(out, "rule %zu %s%s at %u:%u\n", i + 1,
			r->kind == CONS_FORBID ? "forbid" : "require",
			r->conjunction ? " conjunction" : "", r->loc.line, r->loc.col);
		if (r->origin)
			fprintf(out, "  origin %s\n", r->origin);
		for (size_t j = 0; j < r->nclauses; j++) {
			const struct cons_clause *c = &r->clauses[j];

			fprintf(out, "  clause %s", who_kind_name(c->who.kind));
			if (c->who.kind == CONS_WHO_TID)
				fprintf(out, " %ld", c->who.tid);
			else if (c->who.name)
				fprintf(out, " \"%s\"", c->who.name);
			fprintf(out, " at %u:%u\n", c->who.loc.line, c->who.loc.col);
			for (size_t k = 0; k < c->nplaces; k++) {
				const struct cons_place *p = &c->places[k];

				fprintf(out, "    %s", place_kind_name(p->kind));
				if (p->function)
					fprintf(out, " function=%s", p->function);
				if (p->key)
					fprintf(out, " key=\"%s\"", p->key);
				if (p->file)
					fprintf(out, " file=\"%s\" lines=%u-%u", p->file,
						p->first, p->last);
				fprintf(out, " at %u:%u\n", p->loc.line, p->loc.col);
			}
		}
	}
}

void cons_print_thread(FILE *f, const struct cons_thread *t)
{
	fprintf(f, "thread %d (%s", t->tid, t->comm ? t->comm : "?");
	if (t->role)
		fprintf(f, ", role %s", t->role);
	fputc(')', f);
}

void cons_print_frame(FILE *f, const struct cons_thread *t, int i)
{
	const struct cons_frame *fr = &t->frames[i];

	fprintf(f, "frame #%d %s", i, fr->function ? fr->function : "??");
	if (fr->file)
		fprintf(f, " (%s:%u)", fr->file, fr->line);
	if (fr->cp_key)
		fprintf(f, " at %s", fr->cp_key);
}

void cons_explain(const struct cons_file *cf, FILE *out)
{
	fputs("timeout ", out);
	print_duration(out, cf->timeout_us);
	fprintf(out, "%s\nretry ", cf->has_timeout ? "" : " (default)");
	print_duration(out, cf->retry_us);
	fputs(" backoff ", out);
	print_backoff(out, cf->backoff_milli);
	fputs(" max ", out);
	print_duration(out, cf->retry_max_us);
	fprintf(out, "%s\n", cf->has_retry ? "" : " (default)");
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		cons_print_rule(out, r);
		if (r->origin)
			fprintf(out, "\n    automatic: %s\n", r->origin);
		else
			fprintf(out, "\n    from %s:%u:%u\n", cf->path, r->loc.line, r->loc.col);
	}
}
