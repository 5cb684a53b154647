// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files evaluated on the threads' stacks: which rules a
 * snapshot violates and why, the retry loop until the file's deadline
 * (cons_wait()), and the automatic constraints added at update time.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "constraints_internal.h"

/* ------------------------------------------------------------- evaluation */

bool cons_file_matches(const char *frame_file, const char *pattern)
{
	size_t fl, pl;

	if (!frame_file || !pattern)
		return false;
	fl = strlen(frame_file);
	pl = strlen(pattern);
	if (fl == pl)
		return !strcmp(frame_file, pattern);
	/* either may be the longer path: "/src/ftp/transfer.c" and "transfer.c" */
	if (fl > pl)
		return frame_file[fl - pl - 1] == '/' && !strcmp(frame_file + fl - pl, pattern);
	return pattern[pl - fl - 1] == '/' && !strcmp(pattern + pl - fl, frame_file);
}

bool cons_str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool place_matches(const struct cons_place *p, const struct cons_frame *fr)
{
	switch (p->kind) {
	case CONS_PLACE_FUNC:
		return cons_str_eq(fr->function, p->function);
	case CONS_PLACE_KEY:
		return cons_str_eq(fr->cp_key, p->key);
	case CONS_PLACE_FUNC_KEY:
		return cons_str_eq(fr->function, p->function) && cons_str_eq(fr->cp_key, p->key);
	case CONS_PLACE_LINES:
		return fr->line >= p->first && fr->line <= p->last &&
		       cons_file_matches(fr->file, p->file);
	}
	return false;
}

static bool who_matches(const struct cons_who *w, const struct cons_thread *t)
{
	switch (w->kind) {
	case CONS_WHO_ANY:
		return true;
	case CONS_WHO_COMM:
		return cons_str_eq(t->comm, w->name);
	case CONS_WHO_TID:
		return t->tid == w->tid;
	case CONS_WHO_ROLE:
		return cons_str_eq(t->role, w->name);
	}
	return false;
}

/* The innermost frame of T in the clause's region, or -1. */
static int frame_in_region(const struct cons_clause *c, const struct cons_thread *t)
{
	for (size_t i = 0; i < t->nframes; i++)
		for (size_t j = 0; j < c->nplaces; j++)
			if (place_matches(&c->places[j], &t->frames[i]))
				return (int)i;
	return -1;
}

static void print_rule_head(FILE *f, const struct cons_file *cf, const struct cons_rule *r)
{
	if (r->origin)
		fputs("automatic constraint ", f);
	else
		fprintf(f, "%s:%u:%u: ", cf->path, r->loc.line, r->loc.col);
	cons_print_rule(f, r);
	fputs(": ", f);
}

struct vbuild {
	struct cons_violation v;
	FILE *f;
	char *text;
	size_t len;
};

int cons_result_push(struct cons_result *res, struct cons_violation *v)
{
	struct cons_violation *nv;

	if (!res) {
		free(v->w);
		free(v->reason);
		return 0;
	}
	nv = cons_grow(res->v, res->n, sizeof(*nv));
	if (!nv) {
		free(v->w);
		free(v->reason);
		return -ENOMEM;
	}
	res->v = nv;
	res->v[res->n++] = *v;
	return 0;
}

/* One violation with NW witnesses, whose reason the caller writes to *F. */
static int vb_open(struct vbuild *b, const struct cons_file *cf, const struct cons_rule *r,
		   size_t nw)
{
	memset(b, 0, sizeof(*b));
	b->v.rule = r;
	b->v.nw = nw;
	b->v.w = calloc(nw ? nw : 1, sizeof(*b->v.w));
	b->f = open_memstream(&b->text, &b->len);
	if (!b->v.w || !b->f) {
		free(b->v.w);
		if (b->f)
			fclose(b->f);
		free(b->text);
		return -ENOMEM;
	}
	print_rule_head(b->f, cf, r);
	return 0;
}

static int vb_close(struct vbuild *b, struct cons_result *res)
{
	if (fclose(b->f)) {
		free(b->text);
		free(b->v.w);
		return -ENOMEM;
	}
	b->v.reason = b->text;
	return cons_result_push(res, &b->v);
}

/* A single-clause forbid: one violation per thread inside the region. */
static int eval_forbid_one(const struct cons_file *cf, const struct cons_rule *r,
			   const struct cons_snapshot *s, struct cons_result *res)
{
	const struct cons_clause *c = &r->clauses[0];
	int nviol = 0, err;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cons_thread *t = &s->threads[i];
		struct vbuild b;
		int fr;

		if (!who_matches(&c->who, t) || (fr = frame_in_region(c, t)) < 0)
			continue;
		nviol++;
		err = vb_open(&b, cf, r, 1);
		if (err)
			return err;
		b.v.w[0] = (struct cons_witness){ t->tid, fr };
		cons_print_thread(b.f, t);
		fputs(" is inside, at ", b.f);
		cons_print_frame(b.f, t, fr);
		err = vb_close(&b, res);
		if (err)
			return err;
	}
	return nviol;
}

/* A conjunction: violated when every clause holds for some thread. */
static int eval_forbid_all(const struct cons_file *cf, const struct cons_rule *r,
			   const struct cons_snapshot *s, struct cons_result *res)
{
	size_t *who = calloc(r->nclauses, sizeof(*who));	/* thread of each clause */
	int *frame = calloc(r->nclauses, sizeof(*frame));
	struct vbuild b;
	int err = 0;

	if (!who || !frame) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < r->nclauses; j++) {
		frame[j] = -1;
		for (size_t i = 0; i < s->nthreads && frame[j] < 0; i++) {
			if (!who_matches(&r->clauses[j].who, &s->threads[i]))
				continue;
			who[j] = i;
			frame[j] = frame_in_region(&r->clauses[j], &s->threads[i]);
		}
		if (frame[j] < 0)
			goto out;	/* this clause does not hold: neither does the whole */
	}
	err = vb_open(&b, cf, r, r->nclauses);
	if (err)
		goto out;
	for (size_t j = 0; j < r->nclauses; j++) {
		const struct cons_thread *t = &s->threads[who[j]];

		b.v.w[j] = (struct cons_witness){ t->tid, frame[j] };
		if (j)
			fputs("; and ", b.f);
		cons_print_thread(b.f, t);
		fputs(" is at ", b.f);
		cons_print_frame(b.f, t, frame[j]);
	}
	err = vb_close(&b, res);
	err = err ? err : 1;
out:
	free(who);
	free(frame);
	return err;
}

/* A require: every thread the clause names must be in the region. */
static int eval_require(const struct cons_file *cf, const struct cons_rule *r,
			const struct cons_snapshot *s, struct cons_result *res)
{
	const struct cons_clause *c = &r->clauses[0];
	int nviol = 0, nmatch = 0, err;
	struct vbuild b;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cons_thread *t = &s->threads[i];

		if (!who_matches(&c->who, t))
			continue;
		nmatch++;
		if (frame_in_region(c, t) >= 0)
			continue;
		nviol++;
		err = vb_open(&b, cf, r, 1);
		if (err)
			return err;
		b.v.w[0] = (struct cons_witness){ t->tid, t->nframes ? 0 : -1 };
		cons_print_thread(b.f, t);
		fputs(" is not in ", b.f);
		cons_print_region(b.f, c);
		if (t->nframes) {
			fputs(" (innermost ", b.f);
			cons_print_frame(b.f, t, 0);
			fputc(')', b.f);
		} else {
			fputs(" (no stack)", b.f);
		}
		err = vb_close(&b, res);
		if (err)
			return err;
	}
	if (nmatch)
		return nviol;
	/* a thread that does not exist cannot be where it is required */
	err = vb_open(&b, cf, r, 0);
	if (err)
		return err;
	b.v.nw = 0;
	fputs("no thread is ", b.f);
	cons_print_who(b.f, &c->who);
	err = vb_close(&b, res);
	return err ? err : 1;
}

int cons_eval(const struct cons_file *cf, const struct cons_snapshot *snap,
	      struct cons_result *res)
{
	int total = 0, n;

	if (res)
		memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		if (r->kind == CONS_REQUIRE)
			n = eval_require(cf, r, snap, res);
		else if (r->nclauses == 1)
			n = eval_forbid_one(cf, r, snap, res);
		else
			n = eval_forbid_all(cf, r, snap, res);
		if (n < 0) {
			cons_result_free(res);
			return n;
		}
		total += n;
	}
	return total ? 0 : 1;
}

void cons_result_free(struct cons_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n; i++) {
		free(res->v[i].w);
		free(res->v[i].reason);
	}
	free(res->v);
	memset(res, 0, sizeof(*res));
}

bool cons_violation_has_tid(const struct cons_violation *v, int tid)
{
	for (size_t i = 0; i < v->nw; i++)
		if (v->w[i].tid == tid)
			return true;
	return false;
}

/* The wait after one of D: D times the backoff, rounded up, within the cap. */
static uint64_t next_delay(const struct cons_file *cf, uint64_t d)
{
	if (d >= cf->retry_max_us)
		return cf->retry_max_us;
	/* durations are at most a day, so this does not overflow */
	d = (d * cf->backoff_milli + 999) / 1000;
	return d < cf->retry_max_us ? d : cf->retry_max_us;
}

uint64_t cons_retry_delay_us(const struct cons_file *cf, unsigned attempt)
{
	uint64_t d = cf->retry_us < cf->retry_max_us ? cf->retry_us : cf->retry_max_us;

	/* a factor of 1 never grows: stop as soon as the wait does not change */
	for (unsigned i = 0; i < attempt; i++) {
		uint64_t n = next_delay(cf, d);

		if (n == d)
			break;
		d = n;
	}
	return d;
}

/* ------------------------------------------------------- the retry loop */

int cons_wait(const struct cons_file *cf, const struct cons_driver *drv, uint64_t start_us,
	      struct cons_snapshot *snap, struct cons_result *res,
	      struct cons_wait_stats *stats)
{
	struct cons_wait_stats st = { 0 };
	struct cons_result last = { 0 };
	uint64_t deadline = start_us + cf->timeout_us;
	uint64_t delay = cons_retry_delay_us(cf, 0), now;
	int ret;

	for (;; delay = next_delay(cf, delay)) {
		memset(snap, 0, sizeof(*snap));
		ret = drv->snapshot(drv->arg, snap);
		if (ret == -EAGAIN) {
			st.not_ready++;
		} else if (ret < 0) {
			goto out;
		} else {
			st.checks++;
			cons_result_free(&last);
			ret = cons_eval(cf, snap, &last);
			if (ret == 1)
				goto out;	/* threads stay stopped for the update */
			drv->release(drv->arg, snap);
			if (ret < 0)
				goto out;
		}
		now = drv->now_us(drv->arg);
		if (now >= deadline || deadline - now <= delay) {
			ret = 0;
			goto out;
		}
		drv->sleep_us(drv->arg, delay);
	}
out:
	if (ret < 0 || ret == 1)
		cons_result_free(&last);
	if (res)
		*res = last;
	else
		cons_result_free(&last);
	if (stats)
		*stats = st;
	return ret;
}

/* ---------------------------------------------------- automatic constraints */

int cons_add_automatic(struct cons_file *cf, const struct cons_unmapped *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cons_rule r = { .kind = CONS_FORBID };
		struct cons_place *p = calloc(1, sizeof(*p));
		struct cons_clause *c = calloc(1, sizeof(*c));
		struct cons_rule *v;
		int len;

		if (!p || !c)
			goto nomem;
		p->kind = CONS_PLACE_FUNC_KEY;
		p->function = strdup(u[i].function);
		p->key = strdup(u[i].key);
		if (u[i].file)
			len = asprintf(&r.origin, "%s:%u: continuation point %s at %s: %s",
				       u[i].file, u[i].line, u[i].function, u[i].key,
				       u[i].why ? u[i].why : "the patch cannot map it");
		else
			len = asprintf(&r.origin, "continuation point %s at %s: %s",
				       u[i].function, u[i].key,
				       u[i].why ? u[i].why : "the patch cannot map it");
		if (len < 0)
			r.origin = NULL;
		c->who.kind = CONS_WHO_ANY;
		c->places = p;
		c->nplaces = 1;
		r.clauses = c;
		r.nclauses = 1;
		p = NULL;
		c = NULL;
		if (!r.origin || !r.clauses[0].places[0].function || !r.clauses[0].places[0].key)
			goto nomem;
		v = cons_grow(cf->rules, cf->nrules, sizeof(*v));
		if (!v)
			goto nomem;
		cf->rules = v;
		cf->rules[cf->nrules++] = r;
		cf->nauto++;
		continue;
nomem:
		free(p);
		free(c);
		cons_rule_free(&r);
		return -ENOMEM;
	}
	return 0;
}
