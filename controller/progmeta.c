// SPDX-License-Identifier: GPL-2.0
/*
 * A program's .upstare metadata (upmeta.c's model) as the constraint
 * library wants it, struct cons_program (progmeta.h): each function's
 * continuation points with keys, and each record type's layout as one
 * string.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "progmeta.h"

void pm_free(struct prog_meta *m)
{
	for (size_t i = 0; i < m->nfuncs; i++)
		free((void *)m->funcs[i].cps);
	free(m->funcs);
	for (size_t i = 0; i < m->ntypes; i++)
		free((char *)m->types[i].layout);
	free(m->types);
	upmeta_free(&m->meta);
}

static unsigned jnum(long long v)
{
	return v > 0 && v < 0x7fffffff ? (unsigned)v : 0;
}

/* A record type's layout as one string: equal strings, equal layouts. */
static char *type_layout(const struct upmeta_type *t)
{
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s %u", t->kind ? t->kind : "?", jnum(t->size));
	for (const struct json *fl = t->fields->child; fl; fl = fl->next) {
		fprintf(f, ";%s:%s@%u", json_str(fl, "name") ? json_str(fl, "name") : "",
			json_str(fl, "type") ? json_str(fl, "type") : "",
			jnum(json_int(fl, "offset_bits", 0)));
		if (json_get(fl, "bit_width"))
			fprintf(f, ":%u", jnum(json_int(fl, "bit_width", 0)));
		if (json_get(fl, "value"))	/* an enum's constant */
			fprintf(f, "=%lld", json_int(fl, "value", 0));
	}
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

static int pm_index(struct prog_meta *m)
{
	const struct upmeta *u = &m->meta;

	m->types = calloc(u->ntypes ?: 1, sizeof(*m->types));
	m->funcs = calloc(u->nfns ?: 1, sizeof(*m->funcs));
	if (!m->types || !m->funcs)
		return -ENOMEM;
	for (; m->ntypes < u->ntypes; m->ntypes++) {
		const struct upmeta_type *t = &u->types[m->ntypes];
		char *layout = type_layout(t);

		if (!layout)
			return -ENOMEM;
		m->types[m->ntypes] = (struct cons_prog_type){ t->name, layout };
	}
	for (; m->nfuncs < u->nfns; m->nfuncs++) {
		const struct upmeta_fn *fn = &u->fns[m->nfuncs];
		struct cons_prog_cp *cv = calloc(fn->ncps ?: 1, sizeof(*cv));
		size_t ncps = 0;

		if (!cv)
			return -ENOMEM;
		/* the points constraints can name: those with keys */
		for (const struct upmeta_cp *cp = fn->cps; cp < fn->cps + fn->ncps; cp++)
			if (cp->key)
				cv[ncps++] = (struct cons_prog_cp){ cp->key, cp->line };
		m->funcs[m->nfuncs] = (struct cons_prog_func){
			.name = fn->name, .file = fn->file, .line = fn->line,
			.end_line = fn->end_line, .cps = cv, .ncps = ncps,
			.types_used = fn->types_used, .ntypes = fn->ntypes_used,
		};
	}
	m->prog.funcs = m->funcs;
	m->prog.nfuncs = m->nfuncs;
	m->prog.types = m->types;
	m->prog.ntypes = m->ntypes;
	return 0;
}

int pm_load(struct prog_meta *m, const char *path, char **msg)
{
	int n;

	memset(m, 0, sizeof(*m));
	m->prog.name = path;
	n = upmeta_add(&m->meta, path, msg);
	if (n < 0)
		return n;
	if (!n) {
		if (asprintf(msg, "%s: no .upstare section: not built with upstare-cc", path) < 0)
			*msg = NULL;
		return -ENOENT;
	}
	n = pm_index(m);
	if (n && asprintf(msg, "%s: %s", path, strerror(-n)) < 0)
		*msg = NULL;
	return n;
}
