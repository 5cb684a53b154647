// SPDX-License-Identifier: GPL-2.0
/*
 * A program's .upstare metadata as struct cons_program (progmeta.h): the
 * JSON documents upstare-cc puts in a non-allocated ELF section, one per
 * translation unit, read with libelf and controller/json.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "json.h"
#include "progmeta.h"


void pm_free(struct prog_meta *m)
{
	for (size_t i = 0; i < m->nfuncs; i++) {
		free(m->cps[i]);
		free(m->tus[i]);
	}
	free(m->cps);
	free(m->tus);
	free(m->funcs);
	for (size_t i = 0; i < m->ntypes; i++)
		free((char *)m->types[i].layout);
	free(m->types);
	for (size_t i = 0; i < m->ndocs; i++)
		json_free(m->docs[i]);
	free(m->docs);
}

static int pm_add_doc(struct prog_meta *m, const char *text, size_t len)
{
	struct json **nd = realloc(m->docs, (m->ndocs + 1) * sizeof(*nd));
	char *s = strndup(text, len), err[128];

	if (!nd || !s) {
		free(s);
		return -ENOMEM;
	}
	m->docs = nd;
	m->docs[m->ndocs] = json_parse(s, err, sizeof(err));
	free(s);
	return m->docs[m->ndocs++] ? 0 : -EINVAL;
}

static size_t jlen(const struct json *arr)
{
	size_t n = 0;

	for (const struct json *e = arr && arr->type == JSON_ARR ? arr->child : NULL; e;
	     e = e->next)
		n++;
	return n;
}

static unsigned jnum(const struct json *o, const char *key)
{
	long long v = json_int(o, key, 0);

	return v > 0 && v < 0x7fffffff ? (unsigned)v : 0;
}

/* A record type's layout as one string: equal strings, equal layouts. */
static char *type_layout(const struct json *t)
{
	const struct json *fields = json_get(t, "fields");
	char *s = NULL;
	size_t len;
	FILE *f = open_memstream(&s, &len);

	if (!f)
		return NULL;
	fprintf(f, "%s %u", json_str(t, "kind") ? json_str(t, "kind") : "?", jnum(t, "size"));
	for (const struct json *fl = jlen(fields) ? fields->child : NULL; fl; fl = fl->next) {
		fprintf(f, ";%s:%s@%u", json_str(fl, "name") ? json_str(fl, "name") : "",
			json_str(fl, "type") ? json_str(fl, "type") : "", jnum(fl, "offset_bits"));
		if (json_get(fl, "bit_width"))
			fprintf(f, ":%u", jnum(fl, "bit_width"));
		if (json_get(fl, "value"))	/* an enum's constant */
			fprintf(f, "=%lld", json_int(fl, "value", 0));
	}
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

static int pm_index_types(struct prog_meta *m, const struct json *types)
{
	for (const struct json *t = jlen(types) ? types->child : NULL; t; t = t->next) {
		struct cons_prog_type *nt;
		char *layout;

		if (!json_str(t, "name"))
			return -EINVAL;
		nt = realloc(m->types, (m->ntypes + 1) * sizeof(*nt));
		if (!nt)
			return -ENOMEM;
		m->types = nt;
		layout = type_layout(t);
		if (!layout)
			return -ENOMEM;
		m->types[m->ntypes++] = (struct cons_prog_type){ json_str(t, "name"), layout };
	}
	return 0;
}

static int pm_index_func(struct prog_meta *m, const struct json *fn)
{
	const struct json *cps = json_get(fn, "cps"), *tu = json_get(fn, "types_used");
	struct cons_prog_func *nf;
	struct cons_prog_cp **nc, *cv = NULL;
	const char ***ntu, **tv = NULL;
	size_t ncps = 0, ntv = 0;

	if (!json_str(fn, "name"))
		return -EINVAL;
	nf = realloc(m->funcs, (m->nfuncs + 1) * sizeof(*nf));
	if (!nf)
		return -ENOMEM;
	m->funcs = nf;
	nc = realloc(m->cps, (m->nfuncs + 1) * sizeof(*nc));
	if (!nc)
		return -ENOMEM;
	m->cps = nc;
	ntu = realloc(m->tus, (m->nfuncs + 1) * sizeof(*ntu));
	if (!ntu)
		return -ENOMEM;
	m->tus = ntu;
	if (jlen(tu) && !(tv = calloc(jlen(tu), sizeof(*tv))))
		return -ENOMEM;
	if (jlen(cps) && !(cv = calloc(jlen(cps), sizeof(*cv)))) {
		free(tv);
		return -ENOMEM;
	}
	for (const struct json *e = tv ? tu->child : NULL; e; e = e->next)
		if (e->type == JSON_STR)
			tv[ntv++] = e->str;
	for (const struct json *e = cv ? cps->child : NULL; e; e = e->next)
		if (json_str(e, "key"))
			cv[ncps++] = (struct cons_prog_cp){ json_str(e, "key"), jnum(e, "line") };
	m->cps[m->nfuncs] = cv;
	m->tus[m->nfuncs] = tv;
	m->funcs[m->nfuncs++] = (struct cons_prog_func){
		.name = json_str(fn, "name"), .file = json_str(fn, "file"),
		.line = jnum(fn, "line"), .end_line = jnum(fn, "end_line"),
		.cps = cv, .ncps = ncps, .types_used = tv, .ntypes = ntv,
	};
	return 0;
}

static int pm_index(struct prog_meta *m)
{
	for (size_t d = 0; d < m->ndocs; d++) {
		const struct json *fns = json_get(m->docs[d], "functions");
		int err;

		if (!fns || fns->type != JSON_ARR)
			return -EINVAL;
		err = pm_index_types(m, json_get(m->docs[d], "types"));
		for (const struct json *fn = fns->child; fn && !err; fn = fn->next)
			err = pm_index_func(m, fn);
		if (err)
			return err;
	}
	m->prog.funcs = m->funcs;
	m->prog.nfuncs = m->nfuncs;
	m->prog.types = m->types;
	m->prog.ntypes = m->ntypes;
	return 0;
}

#define SET_MSG(...) do { if (asprintf(msg, __VA_ARGS__) < 0) *msg = NULL; } while (0)

/* Read and index the .upstare section of PATH; on error *MSG says why. */
int pm_load(struct prog_meta *m, const char *path, char **msg)
{
	int fd, err = -ENOENT, nunits = 0;
	Elf *e = elf_open(path, &fd);
	const char *p, *end;
	Elf_Data *d;

	memset(m, 0, sizeof(*m));
	m->prog.name = path;
	if (fd < 0) {
		err = -errno;
		SET_MSG("%s: %s", path, strerror(errno));
		return err;
	}
	if (!e || elf_kind(e) != ELF_K_ELF) {
		SET_MSG("%s: not an ELF file", path);
		err = -ENOEXEC;
		goto out;
	}
	/* one NUL-terminated JSON document per translation unit */
	if (elf_section(e, ".upstare", &d) && d && d->d_buf)
		for (p = d->d_buf, end = p + d->d_size; p < end; ) {
			size_t n = strnlen(p, end - p);

			if (n) {
				err = pm_add_doc(m, p, n);
				if (err) {
					SET_MSG("%s: malformed .upstare metadata "
						"(unit %d)", path, nunits + 1);
					goto out;
				}
				nunits++;
			}
			p += n + 1;
		}
	if (!nunits) {
		SET_MSG("%s: no .upstare section: not built with upstare-cc", path);
		err = -ENOENT;
		goto out;
	}
	err = pm_index(m);
	if (err)
		SET_MSG("%s: malformed .upstare metadata", path);
out:
	elf_close(e, fd);
	return err;
}
