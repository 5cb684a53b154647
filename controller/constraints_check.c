// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files checked against programs' metadata: the names in a
 * file validated and linted, the continuation points a patch cannot map,
 * and type safety (the frames that use a record type the patch changes).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "constraints_internal.h"

/* ---------------------------------------------------- unmapped points */

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

/*
 * F's counterpart in PG: the function of that name, and of the same file
 * name when there are several (static functions); the versions usually live
 * in different directories, so only the last component is compared.
 */
static const struct cons_prog_func *same_func(const struct cons_program *pg,
					      const struct cons_prog_func *f)
{
	const struct cons_prog_func *any = NULL;

	for (size_t i = 0; i < pg->nfuncs; i++) {
		const struct cons_prog_func *g = &pg->funcs[i];

		if (!cons_str_eq(g->name, f->name))
			continue;
		if (!g->file || !f->file || cons_str_eq(base_name(g->file), base_name(f->file)))
			return g;
		any = any ? any : g;
	}
	return any;
}

int cons_unmapped_points(const struct cons_program *old, const struct cons_program *new,
			 struct cons_unmapped **out, size_t *n)
{
	struct cons_unmapped *v = NULL;
	size_t nv = 0;

	for (size_t i = 0; i < old->nfuncs; i++) {
		const struct cons_prog_func *f = &old->funcs[i], *g = same_func(new, f);

		for (size_t k = 0; k < f->ncps; k++) {
			bool mapped = false;
			struct cons_unmapped *nvv;

			for (size_t j = 0; g && j < g->ncps && !mapped; j++)
				mapped = cons_str_eq(g->cps[j].key, f->cps[k].key);
			if (mapped)
				continue;
			nvv = cons_grow(v, nv, sizeof(*v));
			if (!nvv) {
				free(v);
				return -ENOMEM;
			}
			v = nvv;
			v[nv++] = (struct cons_unmapped){
				.function = f->name, .key = f->cps[k].key, .file = f->file,
				.line = f->cps[k].line,
				.why = g ? "no point with this key in the patch" :
					   "the patch has no such function",
			};
		}
	}
	*out = v;
	*n = nv;
	return 0;
}

/* ------------------------------------------------------------- validation */

static const struct cons_prog_func *find_func(const struct cons_program *pg, const char *name,
					      size_t from)
{
	for (size_t i = from; i < pg->nfuncs; i++)
		if (cons_str_eq(pg->funcs[i].name, name))
			return &pg->funcs[i];
	return NULL;
}

static bool func_has_key(const struct cons_prog_func *f, const char *key)
{
	for (size_t i = 0; i < f->ncps; i++)
		if (cons_str_eq(f->cps[i].key, key))
			return true;
	return false;
}

/* Levenshtein distance, capped: for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *closest_func(const struct cons_program *pg, const char *name)
{
	const char *best = NULL;
	size_t bd = strlen(name) / 3 + 1;

	for (size_t i = 0; i < pg->nfuncs; i++) {
		size_t d = edit_distance(name, pg->funcs[i].name);

		if (d <= bd && (!best || d < bd)) {
			best = pg->funcs[i].name;
			bd = d;
		}
	}
	return best;
}

static void unknown_func(const struct cons_program *pg, struct cons_diags *d,
			 struct cons_loc loc, const char *what, const char *name)
{
	const char *near = closest_func(pg, name);

	if (near)
		cons_diag_add(d, loc, "unknown %s '%s' in %s (did you mean '%s'?)", what, name,
			 pg->name, near);
	else
		cons_diag_add(d, loc, "unknown %s '%s' in %s", what, name, pg->name);
}

static void list_keys(FILE *f, const struct cons_prog_func *fn)
{
	for (size_t i = 0; i < fn->ncps && i < 12; i++)
		fprintf(f, "%s%s", i ? ", " : "", fn->cps[i].key);
	if (fn->ncps > 12)
		fprintf(f, ", ... (%zu in all)", fn->ncps);
}

static int validate_place(const struct cons_place *p, const struct cons_program *pg,
			  struct cons_diags *d)
{
	const struct cons_prog_func *fn;
	bool any_file = false, any_line = false, unknown_extent = false;

	switch (p->kind) {
	case CONS_PLACE_FUNC:
		if (find_func(pg, p->function, 0))
			return 0;
		unknown_func(pg, d, p->loc, "function", p->function);
		return 1;
	case CONS_PLACE_FUNC_KEY: {
		char *list = NULL;
		size_t len;
		FILE *f;

		fn = find_func(pg, p->function, 0);
		if (!fn) {
			unknown_func(pg, d, p->loc, "function", p->function);
			return 1;
		}
		for (const struct cons_prog_func *g = fn; g; g = find_func(pg, p->function,
									  g - pg->funcs + 1))
			if (func_has_key(g, p->key))
				return 0;
		f = open_memstream(&list, &len);
		if (f) {
			list_keys(f, fn);
			fclose(f);
		}
		cons_diag_add(d, p->key_loc, "function '%s' has no continuation point '%s' "
			 "(it has: %s)", p->function, p->key, list ? list : "?");
		free(list);
		return 1;
	}
	case CONS_PLACE_KEY:
		for (size_t i = 0; i < pg->nfuncs; i++)
			if (func_has_key(&pg->funcs[i], p->key))
				return 0;
		cons_diag_add(d, p->key_loc, "no function of %s has a continuation point '%s'",
			 pg->name, p->key);
		return 1;
	case CONS_PLACE_LINES:
		for (size_t i = 0; i < pg->nfuncs; i++) {
			const struct cons_prog_func *g = &pg->funcs[i];

			if (!cons_file_matches(g->file, p->file))
				continue;
			any_file = true;
			if (!g->end_line)
				unknown_extent = true;
			else if (p->first <= g->end_line && p->last >= g->line)
				any_line = true;
		}
		if (!any_file) {
			cons_diag_add(d, p->loc, "no function of %s is in a file '%s'", pg->name,
				 p->file);
			return 1;
		}
		if (any_line)
			return 0;
		if (unknown_extent) {
			cons_diag_add(d, p->lines_loc, "cannot check lines of '%s': the metadata of "
				 "%s has no function extents (rebuild it with this upstare-cc)",
				 p->file, pg->name);
			return 1;
		}
		if (p->first == p->last)
			cons_diag_add(d, p->lines_loc, "line %u of '%s' is outside every function",
				 p->first, p->file);
		else
			cons_diag_add(d, p->lines_loc, "lines %u-%u of '%s' are outside every "
				 "function", p->first, p->last, p->file);
		return 1;
	}
	return 0;
}

int cons_validate(const struct cons_file *cf, const struct cons_program *pg,
		  struct cons_diags *d)
{
	int n = 0;

	if (d && !d->file)
		d->file = strdup(cf->path);
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		if (r->origin)
			continue;
		for (size_t j = 0; j < r->nclauses; j++) {
			const struct cons_clause *c = &r->clauses[j];

			if (c->who.kind == CONS_WHO_ROLE && !find_func(pg, c->who.name, 0)) {
				unknown_func(pg, d, c->who.loc, "start routine (role)",
					     c->who.name);
				n++;
			}
			for (size_t k = 0; k < c->nplaces; k++)
				n += validate_place(&c->places[k], pg, d);
		}
	}
	return n;
}

/* ------------------------------------------------------------------ lint */

/* Is every frame in place A also in place B? */
static bool place_within(const struct cons_place *a, const struct cons_place *b)
{
	if (b->kind == CONS_PLACE_FUNC &&
	    (a->kind == CONS_PLACE_FUNC || a->kind == CONS_PLACE_FUNC_KEY))
		return cons_str_eq(a->function, b->function);
	return a->kind == b->kind &&
	       (a->function ? cons_str_eq(a->function, b->function) : !b->function) &&
	       (a->key ? cons_str_eq(a->key, b->key) : !b->key) &&
	       (a->file ? cons_str_eq(a->file, b->file) && a->first >= b->first &&
			  a->last <= b->last : !b->file);
}

static const struct cons_place *clause_has_func(const struct cons_clause *c, const char *fn)
{
	for (size_t k = 0; k < c->nplaces; k++)
		if (c->places[k].kind == CONS_PLACE_FUNC && cons_str_eq(c->places[k].function, fn))
			return &c->places[k];
	return NULL;
}

/* The single-clause forbid for any thread that excludes every place of C. */
static const struct cons_rule *forbidden_everywhere(const struct cons_file *cf,
						    const struct cons_clause *c)
{
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];
		size_t k, m;

		if (r->kind != CONS_FORBID || r->nclauses != 1 ||
		    r->clauses[0].who.kind != CONS_WHO_ANY)
			continue;
		for (k = 0; k < c->nplaces; k++) {
			for (m = 0; m < r->clauses[0].nplaces; m++)
				if (place_within(&c->places[k], &r->clauses[0].places[m]))
					break;
			if (m == r->clauses[0].nplaces)
				break;
		}
		if (k == c->nplaces)
			return r;
	}
	return NULL;
}

int cons_lint(const struct cons_file *cf, const struct cons_program *pg,
	      struct cons_diags *w)
{
	bool has_main = !pg || find_func(pg, "main", 0);
	int n = 0;

	if (w && !w->file)
		w->file = strdup(cf->path);
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];
		const struct cons_clause *c = &r->clauses[0];
		const struct cons_place *p;
		const struct cons_rule *f;

		if (r->origin)
			continue;
		if (r->kind == CONS_REQUIRE) {
			f = forbidden_everywhere(cf, c);
			if (f) {
				cons_diag_add(w, r->loc, "this require can never hold: the forbid at "
					 "%u:%u excludes its whole region for every thread",
					 f->loc.line, f->loc.col);
				n++;
			}
			continue;
		}
		/* a conjunction with such a clause can still hold: only one clause */
		if (r->nclauses != 1)
			continue;
		if (has_main && (c->who.kind == CONS_WHO_ANY ||
				 (c->who.kind == CONS_WHO_ROLE && cons_str_eq(c->who.name, "main"))) &&
		    (p = clause_has_func(c, "main"))) {
			cons_diag_add(w, p->loc, "this forbid can never hold: the initial thread of "
				 "every process is inside main");
			n++;
		} else if (c->who.kind == CONS_WHO_ROLE &&
			   (p = clause_has_func(c, c->who.name))) {
			cons_diag_add(w, p->loc, "this forbid can never hold while a thread of role "
				 "%s exists: %s is at the bottom of its stack", c->who.name,
				 c->who.name);
			n++;
		}
	}
	return n;
}

/* ----------------------------------------------------------- type safety */

static const struct cons_prog_type *find_type(const struct cons_program *pg, const char *name)
{
	for (size_t i = 0; i < pg->ntypes; i++)
		if (cons_str_eq(pg->types[i].name, name))
			return &pg->types[i];
	return NULL;
}

int cons_changed_types(const struct cons_program *old, const struct cons_program *new,
		       const char ***out, size_t *n)
{
	const char **v = NULL;
	size_t nv = 0;

	for (size_t i = 0; i < old->ntypes; i++) {
		const struct cons_prog_type *t = &old->types[i], *u = find_type(new, t->name);
		const char **nvv;
		size_t j;

		if (u && cons_str_eq(t->layout, u->layout))
			continue;
		for (j = 0; j < nv && !cons_str_eq(v[j], t->name); j++)
			;
		if (j < nv)
			continue;	/* one definition per unit: already listed */
		nvv = cons_grow(v, nv, sizeof(*v));
		if (!nvv) {
			free(v);
			return -ENOMEM;
		}
		v = nvv;
		v[nv++] = t->name;
	}
	*out = v;
	*n = nv;
	return 0;
}

static bool scope_rebuilds(const struct cons_scope *sc, int tid, size_t frame)
{
	bool thread_in = !sc || !sc->tids;

	for (size_t i = 0; sc && sc->tids && i < sc->ntids && !thread_in; i++)
		thread_in = sc->tids[i] == tid;
	return thread_in && (!sc || !sc->depth || frame < sc->depth);
}

/* The first changed type that function FN uses, or NULL. */
static const char *uses_changed(const struct cons_program *old, const char *fn,
				const char *const *changed, size_t nchanged)
{
	for (size_t i = 0; fn && i < old->nfuncs; i++) {
		const struct cons_prog_func *f = &old->funcs[i];

		if (!cons_str_eq(f->name, fn))
			continue;
		for (size_t k = 0; k < f->ntypes; k++)
			for (size_t c = 0; c < nchanged; c++)
				if (cons_str_eq(f->types_used[k], changed[c]))
					return changed[c];
	}
	return NULL;
}

int cons_type_check(const struct cons_program *old, const char *const *changed,
		    size_t nchanged, const struct cons_scope *scope,
		    const struct cons_snapshot *snap, struct cons_result *res)
{
	int nviol = 0;

	if (res)
		memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < snap->nthreads; i++) {
		const struct cons_thread *t = &snap->threads[i];

		for (size_t k = 0; k < t->nframes; k++) {
			const char *type;
			struct cons_violation v = { 0 };
			size_t len;
			FILE *f;
			int err;

			if (scope_rebuilds(scope, t->tid, k))
				continue;
			type = uses_changed(old, t->frames[k].function, changed, nchanged);
			if (!type)
				continue;
			nviol++;
			v.w = calloc(1, sizeof(*v.w));
			f = open_memstream(&v.reason, &len);
			if (!v.w || !f) {
				if (f)
					fclose(f);
				free(v.w);
				free(v.reason);
				cons_result_free(res);
				return -ENOMEM;
			}
			v.nw = 1;
			v.w[0] = (struct cons_witness){ t->tid, (int)k };
			fputs("type safety: ", f);
			cons_print_thread(f, t);
			fputs(", ", f);
			cons_print_frame(f, t, (int)k);
			fprintf(f, ": uses %s, which the patch changes, and the update does not "
				"rebuild this frame", type);
			if (scope && scope->tids && !scope_rebuilds(scope, t->tid, 0))
				fputs(" (thread not in --threads)", f);
			else if (scope && scope->depth)
				fprintf(f, " (--depth %u)", scope->depth);
			if (fclose(f)) {
				free(v.w);
				free(v.reason);
				cons_result_free(res);
				return -ENOMEM;
			}
			err = cons_result_push(res, &v);
			if (err) {
				cons_result_free(res);
				return err;
			}
		}
	}
	return nviol ? 0 : 1;
}
