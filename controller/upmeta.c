// SPDX-License-Identifier: GPL-2.0
/*
 * The .upstare metadata read into one model (upmeta.h): documents parsed
 * with json.c, each checked for its format version and its shape before
 * anything is indexed, so that every reader sees the same functions,
 * globals and types, or the same error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "upmeta.h"

#define SET_MSG(...) do { if (asprintf(msg, __VA_ARGS__) < 0) *msg = NULL; } while (0)

/*
 * Out of memory while loading: rather than answer from a model half
 * made, the tool stops.
 */
static void *must(void *p)
{
	if (!p)
		abort();
	return p;
}

#define APPEND(arr, n) \
	(*((arr) = must(realloc((arr), ((n) + 1) * sizeof(*(arr)))), &(arr)[(n)++]))

/* The members of an array, or none (NULL) when it is not one. */
static const struct json *elems(const struct json *arr)
{
	return arr && arr->type == JSON_ARR ? arr->child : NULL;
}

static size_t count(const struct json *arr)
{
	size_t n = 0;

	for (const struct json *e = elems(arr); e; e = e->next)
		n++;
	return n;
}

static unsigned line_of(const struct json *o, const char *key)
{
	long long v = json_int(o, key, 0);

	return v > 0 && v < 0x7fffffff ? (unsigned)v : 0;
}

/* Every element of o's array key has a string member of each name listed. */
static const char *all_named(const struct json *o, const char *key, const char *const *names)
{
	const struct json *a = json_get(o, key);

	if (!a || a->type != JSON_ARR)
		return key;
	for (const struct json *e = a->child; e; e = e->next)
		for (const char *const *n = names; *n; n++)
			if (!json_str(e, *n))
				return key;
	return NULL;
}

/*
 * Why unit document j cannot be read as format UPMETA_VERSION, or NULL:
 * its version first, since another version may be shaped otherwise.
 */
static const char *unit_invalid(const struct json *j, char *why, size_t n)
{
	static const char *const fn[] = { "name", NULL }, *const ty[] = { "name", NULL },
			  *const gv[] = { "name", "symbol", "type", NULL };
	const struct json *v = json_get(j, "upstare_meta");
	const char *bad;

	if (j->type != JSON_OBJ || !v || v->type != JSON_NUM || !v->is_int) {
		snprintf(why, n, "not an upstare-cc document (no \"upstare_meta\" version)");
		return why;
	}
	if (v->i != UPMETA_VERSION) {
		snprintf(why, n, "format version %lld, and this tool reads version %d: build "
			 "it again with this upstare-cc, or use the tools it was built with",
			 v->i, UPMETA_VERSION);
		return why;
	}
	if (!json_str(j, "source"))
		bad = "source";
	else if (!(bad = all_named(j, "functions", fn)) && !(bad = all_named(j, "globals", gv)))
		bad = all_named(j, "types", ty);
	for (const struct json *t = bad ? NULL : elems(json_get(j, "types")); t; t = t->next)
		if (!json_get(t, "fields") || json_get(t, "fields")->type != JSON_ARR)
			bad = "types";
	if (!bad)
		return NULL;
	snprintf(why, n, "malformed \"%s\"", bad);
	return why;
}

static void index_function(struct upmeta *m, const struct json *f)
{
	const struct json *cps = json_get(f, "cps"), *tu = json_get(f, "types_used");
	struct upmeta_fn *fn = &APPEND(m->fns, m->nfns);

	*fn = (struct upmeta_fn){
		.name = json_str(f, "name"), .symbol = json_str(f, "symbol") ?: json_str(f, "name"),
		.file = json_str(f, "file"), .reason = json_str(f, "reason"),
		.line = line_of(f, "line"), .end_line = line_of(f, "end_line"),
		.reconstructible = json_bool(f, "reconstructible", true), .doc = f,
	};
	fn->cps = must(calloc(count(cps) ?: 1, sizeof(*fn->cps)));
	fn->types_used = must(calloc(count(tu) ?: 1, sizeof(*fn->types_used)));
	for (const struct json *c = elems(cps); c; c = c->next)
		fn->cps[fn->ncps++] = (struct upmeta_cp){ json_str(c, "key"), json_str(c, "kind"),
							  line_of(c, "line") };
	for (const struct json *t = elems(tu); t; t = t->next)
		if (t->type == JSON_STR)
			fn->types_used[fn->ntypes_used++] = t->str;
}

static void index_unit(struct upmeta *m, const struct json *u, const char *text)
{
	const char *source = json_str(u, "source");

	APPEND(m->units, m->nunits) = (struct upmeta_unit){ source, text };
	for (const struct json *f = elems(json_get(u, "functions")); f; f = f->next)
		index_function(m, f);
	for (const struct json *g = elems(json_get(u, "globals")); g; g = g->next)
		APPEND(m->globals, m->nglobals) = (struct upmeta_global){
			.name = json_str(g, "name"), .symbol = json_str(g, "symbol"),
			.type = json_str(g, "type"), .desc = json_str(g, "desc"),
			.source = source, .file = json_str(g, "file"),
			.function = json_str(g, "function"), .size = json_int(g, "size", 0),
			.line = json_int(g, "line", 0), .is_static = json_bool(g, "static", false),
		};
	for (const struct json *t = elems(json_get(u, "types")); t; t = t->next)
		APPEND(m->types, m->ntypes) = (struct upmeta_type){
			json_str(t, "name"), json_str(t, "kind"), json_int(t, "size", 0),
			json_get(t, "fields"),
		};
}

/* A unit's document, parsed, and its text. */
struct parsed {
	struct json *doc;
	const char *text;
};

/*
 * The documents of a .upstare section (text, len bytes, a NUL after
 * them), each parsed and checked, into *units (malloc'd): their number,
 * or -EINVAL with *msg.
 */
static int parse_units(const char *text, size_t len, const char *path, struct parsed **units,
		       char **msg)
{
	const char *p = text, *end = text + len;
	int n = 0;

	*units = NULL;
	for (; p < end; p += strlen(p) + 1) {
		char why[160];
		struct json *j;

		if (!*p)
			continue;
		j = json_parse(p, why, sizeof(why));
		if (!j || unit_invalid(j, why, sizeof(why))) {
			const char *src = j ? json_str(j, "source") : NULL;

			SET_MSG("%s: unit %d%s%s%s of the .upstare metadata: %s", path, n + 1,
				src ? " (" : "", src ? src : "", src ? ")" : "", why);
			json_free(j);
			while (n)
				json_free((*units)[--n].doc);
			free(*units);
			return -EINVAL;
		}
		APPEND(*units, n) = (struct parsed){ j, p };
	}
	return n;
}

int upmeta_add_elf(struct upmeta *m, Elf *e, const char *path, char **msg)
{
	char *text, hex[ELF_BUILD_ID_HEX];
	struct parsed *units;
	struct json **tail;
	Elf_Data *d;
	int n;

	*msg = NULL;
	if (!elf_section(e, UPMETA_SECTION, &d) || !d || !d->d_buf)
		return 0;
	/* a copy that ends with a NUL, whatever the file holds */
	text = must(malloc(d->d_size + 1));
	memcpy(text, d->d_buf, d->d_size);
	text[d->d_size] = 0;
	n = parse_units(text, d->d_size, path, &units, msg);
	if (n <= 0) {
		free(text);
		return n;
	}
	if (!m->doc)
		m->doc = must(calloc(1, sizeof(*m->doc)));
	m->doc->type = JSON_ARR;
	for (tail = &m->doc->child; *tail; tail = &(*tail)->next)
		;
	for (int i = 0; i < n; i++) {
		*tail = units[i].doc;
		tail = &units[i].doc->next;
		index_unit(m, units[i].doc, units[i].text);
	}
	free(units);
	APPEND(m->texts, m->ntexts) = text;
	if (!m->build_id[0] && !elf_build_id(e, hex))
		memcpy(m->build_id, hex, sizeof(hex));
	if (!m->storage && elf_section(e, ".upstare_storage", &d) && d && d->d_buf)
		m->storage = must(strndup(d->d_buf, d->d_size));
	return n;
}

int upmeta_add(struct upmeta *m, const char *path, char **msg)
{
	int fd, n;
	Elf *e = elf_open(path, &fd);

	*msg = NULL;
	if (fd < 0) {
		n = -errno;
		SET_MSG("%s: %s", path, strerror(errno));
		return n;
	}
	if (e && elf_kind(e) == ELF_K_AR) {
		n = 0;	/* an archive: the tools read its members one by one */
	} else if (!e || elf_kind(e) != ELF_K_ELF) {
		n = -ENOEXEC;
		SET_MSG("%s: not an ELF file", path);
	} else {
		n = upmeta_add_elf(m, e, path, msg);
	}
	elf_close(e, fd);
	return n;
}

bool upmeta_present(const char *path)
{
	int fd;
	Elf *e = elf_open(path, &fd);
	bool found = e && elf_section(e, UPMETA_SECTION, NULL);

	elf_close(e, fd);
	return found;
}

void upmeta_free(struct upmeta *m)
{
	for (size_t i = 0; i < m->nfns; i++) {
		free(m->fns[i].cps);
		free(m->fns[i].types_used);
	}
	for (size_t i = 0; i < m->ntexts; i++)
		free(m->texts[i]);
	json_free(m->doc);
	free(m->units);
	free(m->fns);
	free(m->globals);
	free(m->types);
	free(m->storage);
	free(m->texts);
	memset(m, 0, sizeof(*m));
}

/*
 * A rebuild entry (upstare-cc's clone of a function, __us_rb_SYMBOL) is
 * that function: a thread rebuilt by an update, or released by one, runs
 * in it until its frame returns.
 */
#define REBUILD_PREFIX	"__us_rb_"

const struct upmeta_fn *upmeta_function(const struct upmeta *m, const char *symbol)
{
	if (!m || !symbol)
		return NULL;
	if (!strncmp(symbol, REBUILD_PREFIX, strlen(REBUILD_PREFIX)))
		symbol += strlen(REBUILD_PREFIX);
	for (size_t i = 0; i < m->nfns; i++)
		if (!strcmp(m->fns[i].symbol, symbol))
			return &m->fns[i];
	return NULL;
}

const struct upmeta_fn *upmeta_function_named(const struct upmeta *m, const char *name)
{
	for (size_t i = 0; i < m->nfns; i++)
		if (!strcmp(m->fns[i].name, name))
			return &m->fns[i];
	return NULL;
}

const struct upmeta_type *upmeta_type(const struct upmeta *m, const char *name)
{
	for (size_t i = 0; i < m->ntypes; i++)
		if (!strcmp(m->types[i].name, name))
			return &m->types[i];
	return NULL;
}

/* Line tables put a call a line or two off the statement: allow that much. */
#define CP_LINE_SLACK	3

const struct upmeta_cp *upmeta_cp_at(const struct upmeta_fn *fn, unsigned line,
				     const char *callee, bool call_site)
{
	const struct upmeta_cp *best = NULL, *named = NULL;
	size_t n = callee ? strlen(callee) : 0;

	for (size_t i = 0; i < fn->ncps; i++) {
		const struct upmeta_cp *cp = &fn->cps[i];
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
