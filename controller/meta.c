// SPDX-License-Identifier: GPL-2.0
/*
 * Reading the .upstare section: one JSON document per translation unit,
 * each ended by a NUL byte (the linker concatenates them).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "json.h"
#include "meta.h"

bool meta_file_has_section(const char *path)
{
	int fd;
	Elf *elf = elf_open(path, &fd);
	bool found = elf && elf_section(elf, ".upstare", NULL);

	elf_close(elf, fd);
	return found;
}

static void add_function(struct meta *m, const struct json *f)
{
	struct meta_fn *fn;
	const struct json *cps = json_get(f, "cps"), *c;
	int n = 0;

	m->fns = realloc(m->fns, (m->nfns + 1) * sizeof(*m->fns));
	fn = &m->fns[m->nfns++];
	memset(fn, 0, sizeof(*fn));
	fn->name = json_str(f, "name");
	fn->symbol = json_str(f, "symbol") ?: fn->name;
	fn->reason = json_str(f, "reason");
	fn->reconstructible = json_bool(f, "reconstructible", true);
	for (c = cps ? cps->child : NULL; c; c = c->next)
		n++;
	fn->cps = calloc(n ? n : 1, sizeof(*fn->cps));
	for (c = cps ? cps->child : NULL; c; c = c->next) {
		struct meta_cp *cp = &fn->cps[fn->ncps++];

		cp->key = json_str(c, "key");
		cp->kind = json_str(c, "kind");
		cp->line = json_int(c, "line", 0);
	}
}

struct meta *meta_from_elf(Elf *elf)
{
	Elf_Data *data;
	struct meta *m;
	const char *p, *end;

	if (!elf_section(elf, ".upstare", &data) || !data || !data->d_buf) {
		errno = ENOENT;
		return NULL;
	}
	m = calloc(1, sizeof(*m));
	p = data->d_buf;
	end = p + data->d_size;
	while (p < end) {
		size_t len = strnlen(p, end - p);
		char *doc = strndup(p, len), err[128];
		struct json *j = json_parse(doc, err, sizeof(err)), *fns, *f;

		free(doc);
		p += len + 1;
		if (!j)
			continue;
		m->docs = realloc(m->docs, (m->ndocs + 1) * sizeof(*m->docs));
		m->docs[m->ndocs++] = j;
		fns = json_get(j, "functions");
		for (f = fns ? fns->child : NULL; f; f = f->next)
			add_function(m, f);
	}
	return m;
}

void meta_free(struct meta *m)
{
	int i;

	if (!m)
		return;
	for (i = 0; i < m->nfns; i++)
		free(m->fns[i].cps);
	for (i = 0; i < m->ndocs; i++)
		json_free(m->docs[i]);
	free(m->fns);
	free(m->docs);
	free(m);
}

/*
 * A rebuild entry (upstare-cc's clone of a function, __us_rb_SYMBOL) is
 * that function: a thread rebuilt by an update, or released by one, runs
 * in it until its frame returns.
 */
#define REBUILD_PREFIX	"__us_rb_"

const struct meta_fn *meta_find(const struct meta *m, const char *symbol)
{
	int i;

	if (!m || !symbol)
		return NULL;
	if (!strncmp(symbol, REBUILD_PREFIX, strlen(REBUILD_PREFIX)))
		symbol += strlen(REBUILD_PREFIX);
	for (i = 0; i < m->nfns; i++)
		if (m->fns[i].symbol && !strcmp(m->fns[i].symbol, symbol))
			return &m->fns[i];
	return NULL;
}

/* Line tables put a call a line or two off the statement: allow that much. */
#define CP_LINE_SLACK	3

const struct meta_cp *meta_cp_at(const struct meta_fn *fn, unsigned int line,
				 const char *callee, bool call_site)
{
	const struct meta_cp *best = NULL, *named = NULL;
	size_t n = callee ? strlen(callee) : 0;
	int i;

	for (i = 0; i < fn->ncps; i++) {
		const struct meta_cp *cp = &fn->cps[i];
		bool is_call = cp->kind && !strcmp(cp->kind, "call");

		if (!cp->key || cp->line > line || line - cp->line > CP_LINE_SLACK)
			continue;
		if (call_site && !is_call)
			continue;
		/* The nearest point at or before the line; the callee's name decides ties. */
		if (n && !strncmp(cp->key, callee, n) && cp->key[n] == '#' &&
		    (!named || cp->line > named->line))
			named = cp;
		if (!best || cp->line > best->line)
			best = cp;
	}
	return named ?: best;
}
