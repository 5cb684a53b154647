// SPDX-License-Identifier: GPL-2.0
/*
 * upstare-cc --patch: build a live-update patch for one exact base.
 *
 * The patch is a shared object holding every function of the new version
 * (instrumented like any upstare-cc object, static functions described
 * too), the user's transformers, and __upstare_patch_info, which tells the
 * runtime where all that is and which build id it applies to.  It is linked
 * with -Bsymbolic-functions: its calls bind inside it, so after the update
 * no old function runs; its data references go through the dynamic linker,
 * so a global whose type did not change resolves to where the running
 * process keeps it (the base is linked with --export-dynamic, earlier
 * patches are loaded RTLD_GLOBAL).  A global whose type changed gets new
 * storage: its symbol is renamed in the patch's objects to a versioned
 * name, recorded with both types for the runtime, which runs the
 * transformer the patch provides for it.  Section .upstare_storage of a
 * patch lists every global that does not live under its own name, so a
 * patch built on this one (--base P.so) finds them.
 *
 * Both versions' .upstare metadata is loaded once, here, into
 * controller/upmeta.c's model: patch_link() decides from it what moves,
 * and the conversion generator (xfgen.c) reads it while it runs.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "abi-prelude.h"
#include "cmd.h"
#include "elfread.h"
#include "instrument.h"
#include "json.h"
#include "patch.h"
#include "upmeta.h"
#include "upstare-abi.h"
#include "strbuf.h"
#include "xfgen.h"

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* How many characters paths a and b share at their ends. */
static size_t common_suffix(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = 0;

	while (n < la && n < lb && a[la - 1 - n] == b[lb - 1 - n])
		n++;
	return n;
}

/* How many static variables of unit bsrc in base have a namesake in unit nsrc of news. */
static int statics_shared(const struct upmeta *base, const char *bsrc, const struct upmeta *news,
			  const char *nsrc)
{
	int n = 0;

	for (size_t i = 0; i < base->nglobals; i++) {
		const struct upmeta_global *b = &base->globals[i];

		if (!b->is_static || strcmp(b->source, bsrc))
			continue;
		for (size_t j = 0; j < news->nglobals; j++) {
			const struct upmeta_global *v = &news->globals[j];

			if (v->is_static && !strcmp(v->source, nsrc) && !strcmp(v->name, b->name) &&
			    !b->function == !v->function &&
			    (!b->function || !strcmp(b->function, v->function))) {
				n++;
				break;
			}
		}
	}
	return n;
}

/*
 * Which unit of the base each unit of the new version continues (NULL: a
 * new file).  A unit continues the base's unit of the same source base
 * name (of those, the one whose path ends most like its own).  A file
 * renamed between the versions has no such unit: it continues the base
 * unit, left without a successor, with which it shares the most static
 * variable names, and the build says so.  Statics are exported under
 * names that spell their file, so without this every static of a renamed
 * file would start over from its initializer and the program would go on
 * with its state lost (a FILE * set at start-up read back as NULL).
 */
static const char **pair_units(const struct upmeta *bu, const struct upmeta *nu)
{
	const char **pair = xcalloc(nu->nunits, sizeof(*pair));
	bool *taken = xcalloc(bu->nunits, sizeof(*taken));

	for (int i = 0; i < nu->nunits; i++) {
		const char *ns = nu->units[i].source;
		size_t best = 0;
		int bi = -1;

		for (int j = 0; j < bu->nunits; j++)
			if (!strcmp(base_name(bu->units[j].source), base_name(ns)) &&
			    (bi < 0 || common_suffix(bu->units[j].source, ns) > best)) {
				bi = j;
				best = common_suffix(bu->units[j].source, ns);
			}
		if (bi >= 0) {
			pair[i] = bu->units[bi].source;
			taken[bi] = true;
		}
	}
	for (int i = 0; i < nu->nunits; i++) {
		const char *ns = nu->units[i].source;
		int best = 0, bi = -1;
		bool tie = false;

		if (pair[i])
			continue;
		for (int j = 0; j < bu->nunits; j++) {
			int n = taken[j] ? 0 : statics_shared(bu, bu->units[j].source, nu, ns);

			if (n > best) {
				best = n;
				bi = j;
				tie = false;
			} else if (n && n == best) {
				tie = true;
			}
		}
		if (bi < 0)
			continue;
		if (tie) {
			fprintf(stderr, "upstare-cc: warning: %s: no file of that name in the base, "
				"and several base files share as many static variable names with it: "
				"its statics start from their initializers\n", ns);
			continue;
		}
		fprintf(stderr, "upstare-cc: note: %s: no file of that name in the base; its "
			"static variables continue those of %s\n", ns, bu->units[bi].source);
		pair[i] = bu->units[bi].source;
		taken[bi] = true;
	}
	free(taken);
	return pair;
}

/*
 * The base's version of a global of the new version: the same symbol, or
 * for a file-scope or static local variable (whose exported name spells
 * its source path) the one of the same name in the base unit that the
 * variable's unit continues (pair_units) (and, for a static local, in the
 * function of the same name).
 */
static const struct upmeta_global *gvar_match(const struct upmeta *base,
					      const struct upmeta_global *nv,
					      const struct upmeta *nu, const char **pair)
{
	const char *bsrc = NULL;

	for (size_t i = 0; i < base->nglobals; i++)
		if (!strcmp(base->globals[i].symbol, nv->symbol))
			return &base->globals[i];
	if (!nv->is_static)
		return NULL;
	for (size_t i = 0; i < nu->nunits; i++)
		if (!strcmp(nu->units[i].source, nv->source))
			bsrc = pair[i];
	if (!bsrc)
		return NULL;
	for (size_t i = 0; i < base->nglobals; i++) {
		const struct upmeta_global *b = &base->globals[i];

		if (b->is_static && !strcmp(b->name, nv->name) && !strcmp(b->source, bsrc) &&
		    !b->function == !nv->function &&
		    (!b->function || !strcmp(b->function, nv->function)))
			return b;
	}
	return NULL;
}

/*
 * "struct s[4]", "const struct s" -> "struct s": the record a type holds by
 * value (or the enum: a change of its values changes the type).
 */
static char *record_of(const char *type)
{
	char *s, *b;

	while (!strncmp(type, "const ", 6) || !strncmp(type, "volatile ", 9))
		type += type[0] == 'c' ? 6 : 9;
	if (strncmp(type, "struct ", 7) && strncmp(type, "union ", 6) && strncmp(type, "enum ", 5))
		return NULL;
	s = xstrdup(type);
	if (strchr(s, '*') || strchr(s, '(')) {
		free(s);
		return NULL;
	}
	b = strchr(s, '[');
	if (b)
		*b = 0;
	while (*s && s[strlen(s) - 1] == ' ')
		s[strlen(s) - 1] = 0;
	return s;
}

/*
 * The record or enum a value of shape desc holds by value, itself or in an
 * array ("r<pair_t>", "a4:r<struct s>", "ei4<enum e>"), or NULL: by the
 * shape, so that one named by a typedef (pair_t) counts like struct s.
 */
static char *record_of_desc(const char *desc)
{
	const char *lt, *gt;

	while (desc[0] == 'a' && strchr(desc, ':'))
		desc = strchr(desc, ':') + 1;
	if (desc[0] != 'r' && desc[0] != 'e')
		return NULL;
	lt = strchr(desc, '<');
	gt = lt ? strchr(lt, '>') : NULL;
	return gt ? strndup(lt + 1, gt - lt - 1) : NULL;
}

/*
 * Is an object of this type (as spelled) read-only: "const int", "const
 * char[4][8]", "const char *const", "char *const[3]"; not "const char *"
 * (a pointer that changes)?  A typedef that hides the const is not seen.
 */
static bool read_only(const char *type)
{
	const char *paren = strchr(type, '('), *star;
	size_t n = strlen(type);

	/*
	 * A function pointer, "int (*const)(char *const)": its own declarator
	 * is the first parenthesized group; the stars of the parameters are
	 * not its.
	 */
	if (paren) {
		const char *close = strchr(paren, ')');

		type = paren + 1;
		n = close ? (size_t)(close - type) : strlen(type);
	}
	/* trailing dimensions: "char *const[3]" is an array of read-only pointers */
	while (n && type[n - 1] == ']') {
		while (n && type[n - 1] != '[')
			n--;
		n = n ? n - 1 : 0;
		while (n && type[n - 1] == ' ')
			n--;
	}
	star = memrchr(type, '*', n);
	if (!star)
		return !paren && (!strncmp(type, "const ", 6) || !strncmp(type, "volatile const ", 15));
	star++;
	while (star < type + n && *star == ' ')
		star++;
	return type + n - star >= 5 && !strncmp(star, "const", 5) &&
	       (type + n - star == 5 || !(star[5] == '_' || isalnum((unsigned char)star[5])));
}

/* Has any field of a record (an array of objects) a member named key? */
static bool any_field_has(const struct json *fields, const char *key)
{
	for (const struct json *f = fields->child; f; f = f->next)
		if (json_get(f, key))
			return true;
	return false;
}

/*
 * Are the values a and b the same, members in the same order?  Of a
 * string member named skip, only that both have it there.
 */
static bool value_same(const struct json *a, const struct json *b, const char *skip)
{
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case JSON_NULL:
		return true;
	case JSON_BOOL:
		return a->b == b->b;
	case JSON_NUM:
		return a->is_int == b->is_int && (a->is_int ? a->i == b->i : a->num == b->num);
	case JSON_STR:
		return !strcmp(a->str, b->str);
	case JSON_ARR:
	case JSON_OBJ:
		break;
	}
	for (a = a->child, b = b->child; a && b; a = a->next, b = b->next) {
		if (!a->key != !b->key || (a->key && strcmp(a->key, b->key)))
			return false;
		if (skip && a->key && !strcmp(a->key, skip) && a->type == JSON_STR &&
		    b->type == JSON_STR)
			continue;
		if (!value_same(a, b, skip))
			return false;
	}
	return !a && !b;
}

/*
 * Did record type name change its layout between the versions (fields,
 * their types and offsets, and those of the records it holds by value)?
 * The fields are compared without the types as spelled when both
 * versions have the canonical shapes ("desc"), so that unsigned int
 * becoming uint32_t is no change.
 */
static bool layout_changed(const struct upmeta *ob, const struct upmeta *nb, const char *name,
			   int depth)
{
	const struct upmeta_type *o = upmeta_type(ob, name), *n = upmeta_type(nb, name);
	bool shapes, changed;

	if (!o || !n || depth > 16)
		return false;
	shapes = any_field_has(o->fields, "desc") && any_field_has(n->fields, "desc");
	changed = !value_same(o->fields, n->fields, shapes ? "type" : NULL);
	for (const struct json *f = n->fields->child; !changed && f; f = f->next) {
		const char *t = json_str(f, "type"), *d = json_str(f, "desc");
		char *rec = d ? record_of_desc(d) : t ? record_of(t) : NULL;

		if (rec && strcmp(rec, name))
			changed = layout_changed(ob, nb, rec, depth + 1);
		free(rec);
	}
	return changed;
}

static bool type_changed(const struct upmeta *ob, const struct upmeta *nb, const char *otype,
			 const char *odesc, long osize, const char *ntype, const char *ndesc,
			 long nsize)
{
	char *rec;
	bool changed;

	if (strcmp(otype, ntype) || osize != nsize)
		return true;
	/* a typedef that names another type of the same size (long ->
	 * unsigned long): the canonical shapes differ */
	if (odesc && ndesc && strcmp(odesc, ndesc))
		return true;
	rec = ndesc ? record_of_desc(ndesc) : record_of(ntype);
	changed = rec && layout_changed(ob, nb, rec, 0);
	free(rec);
	return changed;
}

static const struct upmeta_global *gvar_find(const struct upmeta *g, const char *sym)
{
	for (size_t i = 0; i < g->nglobals; i++)
		if (!strcmp(g->globals[i].symbol, sym))
			return &g->globals[i];
	return NULL;
}

/* Where the base keeps symbol sym: its storage name. */
static char *storage_of(const char *map, const char *sym)
{
	size_t n = strlen(sym);
	char *last = NULL;

	/* one line per symbol (map_put), but a map carried by an older
	 * upstare-cc may repeat one: its last line is where it is now */
	for (const char *p = map; p && *p;) {
		const char *nl = strchr(p, '\n');

		if (!strncmp(p, sym, n) && p[n] == ' ') {
			const char *v = p + n + 1;

			free(last);
			last = strndup(v, nl ? (size_t)(nl - v) : strlen(v));
		}
		p = nl ? nl + 1 : p + strlen(p);
	}
	return last ? last : xstrdup(sym);
}

/* Set sym's line of the storage map to "sym where", dropping any it had. */
static void map_put(struct sb *map, const char *sym, const char *where)
{
	struct sb m = { 0 };
	size_t n = strlen(sym);

	for (const char *p = map->s; p && *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl + 1 - p) : strlen(p);

		if (strncmp(p, sym, n) || p[n] != ' ')
			sb_put(&m, p, len);
		p += len;
	}
	sb_printf(&m, "%s %s\n", sym, where);
	sb_free(map);
	*map = m;
}

/* The patch's global sym is named to in its objects, and the map says so. */
static void rename_global(struct argv_list *rename, struct sb *map, const char *sym,
			  const char *to)
{
	char *arg;

	asprintf(&arg, "--redefine-sym=%s=%s", sym, to);
	argv_list_push(rename, arg);
	free(arg);
	map_put(map, sym, to);
}

/*
 * Storage of the patch's own for sym, under a name no applied patch has
 * (NAME__us_TAG): renamed in the patch's objects; the name (malloc'd).
 */
static char *own_storage(struct argv_list *rename, struct sb *map, const char *sym,
			 const char *tag)
{
	char *name;

	if (asprintf(&name, "%s__us_%s", sym, tag) < 0)
		name = NULL;
	if (name)
		rename_global(rename, map, sym, name);
	return name;
}

static void asm_section(struct sb *o, const char *sect, const char *text)
{
	sb_printf(o, "__asm__(\".pushsection %s,\\\"\\\",@progbits\\n\\t.ascii \\\"", sect);
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		if (*p == '\n')
			sb_puts(o, "\\\\n");
		else if (*p == '"' || *p == '\\')
			sb_printf(o, "\\\\\\%c", *p);
		else
			sb_put(o, (const char *)p, 1);
	sb_puts(o, "\\\"\\n\\t.popsection\\n\");\n");
}

struct tls_lists {
	struct argv_list *ex, *local;
};

static int tls_symbol(void *arg, const GElf_Sym *sym, const char *name)
{
	struct tls_lists *l = arg;

	if (GELF_ST_TYPE(sym->st_info) == STT_TLS && sym->st_shndx != SHN_UNDEF)
		argv_list_push(GELF_ST_BIND(sym->st_info) != STB_LOCAL &&
			       GELF_ST_VISIBILITY(sym->st_other) == STV_DEFAULT ? l->ex : l->local,
			       name);
	return 0;
}

/*
 * The thread-local variables ELF file path defines, from its section of
 * type shtype (or .dynsym when it has none): exported ones (global or
 * weak, default visibility) into ex, the others into local.
 */
static int tls_symbols(const char *path, unsigned shtype, struct argv_list *ex,
		       struct argv_list *local)
{
	struct tls_lists l = { ex, local };
	int fd;
	Elf *e = elf_open_read(path, &fd);

	if (fd < 0)
		return 1;
	if (e && elf_symbols(e, shtype, tls_symbol, &l) == -ENOENT)
		elf_symbols(e, SHT_DYNSYM, tls_symbol, &l);
	elf_close(e, fd);
	if (!e) {
		fprintf(stderr, "upstare-cc: %s: not an ELF file\n", path);
		return 1;
	}
	return 0;
}

static bool listed(const struct argv_list *a, const char *s)
{
	for (int i = 0; i < a->n; i++)
		if (!strcmp(a->v[i], s))
			return true;
	return false;
}

/* Why thread-local variable sym cannot be in the patch, at its source line. */
static void tls_refused(const struct upmeta *news, const char *sym, const char *base,
			const struct argv_list *base_syms, bool exported)
{
	const char *suffix = strstr(sym, "__us_");
	size_t n = suffix ? (size_t)(suffix - sym) : strlen(sym);
	char *plain = strndup(sym, n);
	/* new variables get a suffixed name too: a moved one is the base's */
	bool moved = suffix && listed(base_syms, plain);
	const struct upmeta_global *v = NULL;

	free(plain);
	for (size_t i = 0; i < news->nglobals && !v; i++) {
		const char *s = news->globals[i].symbol;

		if (strlen(s) == n && !strncmp(s, sym, n))
			v = &news->globals[i];
	}
	if (v)
		fprintf(stderr, "%s:%ld: ", v->source, v->line);
	else
		fprintf(stderr, "upstare-cc: ");
	fprintf(stderr, "error: thread-local variable '%.*s' ", (int)n, v ? v->name : sym);
	if (moved)
		fprintf(stderr, "changed type: a patch cannot give a thread-local variable new "
			"storage");
	else if (!exported)
		fprintf(stderr, "is not exported (hidden or local): a patch's thread-local "
			"variables must be the base's");
	else
		fprintf(stderr, "is not in the base (%s): a patch cannot add thread-local "
			"storage", base);
	fprintf(stderr, " (libupstare loads a patch without a TLS block of its own: its "
		"references bind to the running program's variables)\n");
}

/*
 * A patch gets no TLS block of its own: libupstare's loader binds its
 * thread-local references to the running program's variables
 * (userlib/load.c).  So every thread-local variable the patch defines must
 * be one the base exports (an unchanged variable: the patch's copy is never
 * used).  One it adds, moves (its type changed) or hides is refused here,
 * by name and source line, rather than when the update is asked for.
 */
static int check_tls(const struct patch_opts *po, const struct upmeta *news)
{
	struct argv_list base = { 0 }, ex = { 0 }, local = { 0 };
	int bad = 0;

	if (tls_symbols(po->base, SHT_DYNSYM, &base, &local))
		return 1;
	local.n = 0;
	if (tls_symbols(po->output, SHT_SYMTAB, &ex, &local))
		return 1;
	for (int i = 0; i < ex.n; i++)
		if (!listed(&base, ex.v[i])) {
			tls_refused(news, ex.v[i], po->base, &base, true);
			bad = 1;
		}
	for (int i = 0; i < local.n; i++) {
		tls_refused(news, local.v[i], po->base, &base, false);
		bad = 1;
	}
	return bad;
}

static void c_str(struct sb *o, const char *s)
{
	sb_json_str(o, s);
}

/* The patch's table of watched globals and locals (struct __upstare_watch). */
struct watches {
	struct xfgen *xg;
	struct sb *gens, text;
	unsigned n;
};

static void watch_local(void *arg, const char *function, const char *key, const char *desc,
			long size)
{
	struct watches *w = arg;
	char id[32], label[512];

	snprintf(id, sizeof(id), "wgen%u", w->n);
	snprintf(label, sizeof(label), "local %s of %s()", key, function);
	if (xfgen_watch(w->xg, w->gens, id, key, label, desc, size, NULL) <= 0)
		return;
	sb_puts(&w->text, "\t{ ");
	c_str(&w->text, key);
	sb_puts(&w->text, ", 0, ");
	c_str(&w->text, function);
	sb_printf(&w->text, ", %ld, &%s },\n", size, id);
	w->n++;
}

/*
 * UPSTARE_HEAP_ARRAY(var, c->name): the base's integer global of that name
 * (one), or field of one ("settings.num_threads"), where it is kept now,
 * its size and sign.
 */
static int heap_count(struct xfgen *xg, const struct upmeta *base, const char *bmap,
		      const char *var, struct xfgen_count *c)
{
	const char *dot = strchr(c->name, '.'), *desc = NULL, *why = NULL;
	size_t len = dot ? (size_t)(dot - c->name) : strlen(c->name);
	const struct upmeta_global *g = NULL;
	long size = 0;
	int n = 0;

	for (size_t i = 0; i < base->nglobals; i++)
		if (!base->globals[i].function && strlen(base->globals[i].name) == len &&
		    !strncmp(base->globals[i].name, c->name, len) &&
		    (!g || strcmp(g->symbol, base->globals[i].symbol))) {
			g = &base->globals[i];
			n++;
		}
	if (n == 1 && g->desc) {
		desc = g->desc;
		size = g->size;
	}
	if (n > 1)
		why = "more than one global of the base has that name";
	else if (!n)
		why = "the base has no global of that name";
	else if (!desc || xfgen_base_field(xg, &desc, &size, dot ? dot + 1 : "", &c->off))
		why = "the base's global has no such field";
	else if (!(strchr("iu", desc[0]) || (desc[0] == 'e' && strchr("iu", desc[1]))))
		why = "that value of the base is not an integer";
	if (why) {
		fprintf(stderr, "upstare-cc: UPSTARE_HEAP_ARRAY(%s, %s): %s\n", var, c->name, why);
		return -1;
	}
	c->sym = storage_of(bmap, g->symbol);
	c->size = size;
	c->is_signed = desc[0] == 'i' || desc[1] == 'i';
	return 0;
}

/*
 * Load the metadata of the base (*base) and of the new version's objects
 * (*news): 0, or 1 with the error said.  An object without metadata
 * (another compiler's, an archive whose members were compiled again)
 * adds nothing; one that cannot be read is said and left to the link.
 */
static int load_versions(const struct patch_opts *po, struct upmeta *base, struct upmeta *news)
{
	char *msg;
	int n = upmeta_add(base, po->base, &msg);

	if (n < 0)
		fprintf(stderr, "upstare-cc: %s\n", msg ? msg : po->base);
	free(msg);
	if (n == -EINVAL)	/* metadata, but not of this upstare-cc's format */
		return 1;
	if (n <= 0 || !base->build_id[0]) {
		fprintf(stderr, "upstare-cc: --base %s: not a program or patch built with "
			"upstare-cc (no .upstare metadata or build id)\n", po->base);
		return 1;
	}
	for (int i = 0; i < po->nobjs; i++) {
		n = upmeta_add(news, po->objs[i], &msg);
		if (n < 0)
			fprintf(stderr, "upstare-cc: %s\n", msg ? msg : po->objs[i]);
		free(msg);
		if (n == -EINVAL)
			return 1;
	}
	return 0;
}

int patch_link(const struct patch_opts *po)
{
	struct sb info = { 0 }, storage = { 0 }, moves = { 0 };
	struct upmeta base = { 0 }, news = { 0 };
	const char **pair = NULL;
	struct sb changed = { 0 }, convs = { 0 };
	unsigned nchanged = 0, nconvs = 0, nstatics = 0;
	struct argv_list rename = { 0 };
	struct sb gens = { 0 };
	struct xfgen *xg = NULL;
	struct watches wl = { 0 };
	char *bmap, tag[16], path[4096];
	unsigned nmoves = 0;
	int err = 1;

	if (load_versions(po, &base, &news))
		goto out;
	bmap = base.storage;
	/* the storage a patch gives a global is named apart from every other
	 * patch's: two built in one second by one pid must not share it */
	{
		uint32_t r = 0;

		if (getrandom(&r, sizeof(r), 0) != sizeof(r))
			r = (uint32_t)time(NULL) ^ ((uint32_t)getpid() << 16);
		snprintf(tag, sizeof(tag), "%08x", r);
	}
	pair = pair_units(&base, &news);
	xg = xfgen_open(&base, &news, po->base, po->explain);
	xfgen_user_xforms(xg, po->objs, po->nobjs);
	wl.xg = xg;
	wl.gens = &gens;
	/* carry the base's map, then decide each global of the new version */
	if (bmap)
		sb_puts(&storage, bmap);
	for (size_t i = 0; i < news.nglobals; i++) {
		const struct upmeta_global *nv = &news.globals[i];
		const struct upmeta_global *bv = gvar_match(&base, nv, &news, pair);
		char *where, *arg;
		bool changed;

		if (gvar_find(&news, nv->symbol) != nv)
			continue;	/* seen already */
		if (!bv) {
			/*
			 * New in this version: storage of its own, under a name no
			 * applied patch has.  Under its own name it would bind to an
			 * older patch's copy when an earlier version had it (v2 ->
			 * v1 -> v2: the first v2's stale value, update/retire).
			 */
			free(own_storage(&rename, &storage, nv->symbol, tag));
			continue;
		}
		changed = type_changed(&base, &news, bv->type, bv->desc, bv->size, nv->type,
				       nv->desc, nv->size);
		if (read_only(bv->type) && read_only(nv->type) && !changed) {
			/*
			 * Read-only data (a const table, a const pointer): nothing
			 * can have changed it, and the new code must see the new
			 * version's values (a dispatch table that now names
			 * another function): storage of its own, like a new
			 * global, rather than the old one's.
			 */
			free(own_storage(&rename, &storage, nv->symbol, tag));
			continue;
		}
		where = storage_of(bmap, bv->symbol);
		if (!changed) {
			if (strcmp(where, nv->symbol))
				rename_global(&rename, &storage, nv->symbol, where);
			/* kept as it is: it must not lead to records whose layout changed */
			{
				const char *count = xfgen_heap_array(xg, nv->name);
				struct xfgen_count cnt = { .name = count };
				char id[32];
				int w;

				if (count && heap_count(xg, &base, bmap, nv->name, &cnt)) {
					free(where);
					goto out;
				}
				snprintf(id, sizeof(id), "wgen%u", wl.n);
				w = xfgen_watch(xg, &gens, id, nv->name, NULL, nv->desc, nv->size,
						count ? &cnt : NULL);
				free((char *)cnt.sym);
				if (w < 0) {
					free(where);
					goto out;
				}
				if (w) {
					sb_puts(&wl.text, "\t{ ");
					c_str(&wl.text, nv->name);
					sb_puts(&wl.text, ", ");
					c_str(&wl.text, where);
					sb_printf(&wl.text, ", 0, %ld, &%s },\n", nv->size, id);
					wl.n++;
				}
			}
			free(where);
			continue;
		}
		arg = own_storage(&rename, &storage, nv->symbol, tag);
		sb_puts(&moves, "\t{ ");
		c_str(&moves, nv->name);
		sb_puts(&moves, ", ");
		c_str(&moves, where);
		sb_puts(&moves, ", ");
		c_str(&moves, arg);
		sb_puts(&moves, ", ");
		c_str(&moves, bv->type);
		sb_puts(&moves, ", ");
		c_str(&moves, nv->type);
		{
			struct xfgen_var ov = { bv->name, bv->type, bv->desc,
						bv->file ? bv->file : bv->source, bv->size,
						bv->line };
			struct xfgen_var nw = { nv->name, nv->type, nv->desc,
						nv->file ? nv->file : nv->source, nv->size,
						nv->line };
			char *rec = nv->desc ? record_of_desc(nv->desc) : NULL;
			char id[32];

			snprintf(id, sizeof(id), "xgen%u", nmoves);
			xfgen_global(xg, &gens, id, &ov, &nw, where);
			sb_printf(&moves, ", %ld, %ld, &%s, ", bv->size, nv->size, id);
			c_str(&moves, rec);
			sb_puts(&moves, " },\n");
			free(rec);
		}
		nmoves++;
		free(where);
		free(arg);
	}
	if (xfgen_heap_check(xg))
		goto out;
	/* rename in every object of the patch (definitions and references) */
	if (rename.n)
		for (int i = 0; i < po->nobjs; i++) {
			struct argv_list a = { 0 };

			argv_list_push(&a, po->objcopy);
			for (int j = 0; j < rename.n; j++)
				argv_list_push(&a, rename.v[j]);
			argv_list_push(&a, po->objs[i]);
			if (cmd_run(&a))
				goto out;
		}

	sb_puts(&info, "/* generated by upstare-cc --patch */\n");
	sb_puts(&info, abi_prelude);
	sb_puts(&info,
		"extern const struct __upstare_fdesc __start_upstare_fn[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern const struct __upstare_fdesc __stop_upstare_fn[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern const char __start_upstare_xf[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern const char __stop_upstare_xf[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern const char __start_upstare_maps[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern const char __stop_upstare_maps[] "
		"__attribute__((weak, visibility(\"hidden\")));\n"
		"extern int __upstare_main_thunk(int, char **, char **) "
		"__attribute__((weak));\n");
	/* record types whose layout changed: locals of them are converted by
	 * the generated conversion of the type, or need a transformer */
	for (size_t i = 0; i < news.ntypes; i++) {
		const char *name = news.types[i].name;
		char id[32];
		long osz, nsz;

		if (upmeta_type(&news, name) != &news.types[i] ||
		    !layout_changed(&base, &news, name, 0))
			continue;
		sb_puts(&changed, "\t");
		c_str(&changed, name);
		sb_puts(&changed, ",\n");
		nchanged++;
		snprintf(id, sizeof(id), "tgen%u", nconvs);
		if (xfgen_type(xg, &gens, id, name, &osz, &nsz))
			continue;
		sb_puts(&convs, "\t{ ");
		c_str(&convs, name);
		sb_printf(&convs, ", %ld, %ld, &%s },\n", osz, nsz, id);
		nconvs++;
	}
	sb_printf(&info, "static const char *const changed_types[] = {\n%s\t0\n};\n",
		  changed.s ? changed.s : "");
	xfgen_each_local(xg, watch_local, &wl);
	if (gens.s)
		sb_puts(&info, gens.s);
	sb_printf(&info, "static const struct __upstare_watch watches[] = {\n%s"
		  "\t{ 0, 0, 0, 0, 0 }\n};\n", wl.text.s ? wl.text.s : "");
	sb_printf(&info, "static const struct __upstare_type_conv type_convs[] = {\n%s"
		  "\t{ 0, 0, 0, 0 }\n};\n", convs.s ? convs.s : "");
	sb_printf(&info, "static const struct __upstare_global_move moves[] = {\n%s"
		  "\t{ 0, 0, 0, 0, 0, 0, 0, 0, 0 }\n};\n", moves.s ? moves.s : "");
	/*
	 * For upstare_old_global(): the base's file-scope statics ("file:name"),
	 * and its other globals that an earlier patch gave storage of its own
	 * (source NULL), each with where the base keeps it now: a base that is
	 * a patch may keep a value under another symbol than the program's.
	 */
	sb_puts(&info, "static const struct __upstare_static statics[] = {\n");
	for (size_t i = 0; i < base.nglobals; i++) {
		const struct upmeta_global *g = &base.globals[i];
		char *where;

		if (g->function)
			continue;
		where = storage_of(bmap, g->symbol);
		if (g->is_static || strcmp(where, g->symbol)) {
			sb_puts(&info, "\t{ ");
			c_str(&info, g->name);
			sb_puts(&info, ", ");
			if (g->is_static)
				c_str(&info, g->source);
			else
				sb_puts(&info, "0");
			sb_puts(&info, ", ");
			c_str(&info, where);
			sb_puts(&info, " },\n");
			nstatics++;
		}
		free(where);
	}
	sb_puts(&info, "\t{ 0, 0, 0 }\n};\n");
	sb_printf(&info, "const struct __upstare_patch __upstare_patch_info = {\n"
		  "\t%u, %u, \"%s\", __start_upstare_fn, __stop_upstare_fn,\n"
		  "\t__start_upstare_xf, __stop_upstare_xf, (void *)__upstare_main_thunk, moves,\n"
		  "\t%u, changed_types, %u, type_convs, %u, watches, %u, statics,\n"
		  "\t__start_upstare_maps, __stop_upstare_maps\n"
		  "};\n", __UPSTARE_ABI, nmoves, base.build_id, nchanged, nconvs, wl.n, nstatics);
	asm_section(&info, ".upstare_base", base.build_id);
	if (storage.s)
		asm_section(&info, ".upstare_storage", storage.s);
	snprintf(path, sizeof(path), "%s/patch-info.c", po->tmpdir);
	{
		FILE *f = fopen(path, "w");

		if (!f || fputs(info.s, f) < 0 || fclose(f)) {
			fprintf(stderr, "upstare-cc: %s: %s\n", path, strerror(errno));
			goto out;
		}
	}
	{
		struct argv_list a = { 0 };
		char obj[4200];

		snprintf(obj, sizeof(obj), "%s/patch-info.o", po->tmpdir);
		argv_list_push(&a, po->clang);
		argv_list_push(&a, "-c");
		argv_list_push(&a, "-fPIC");
		argv_list_push(&a, "-w");
		argv_list_push(&a, path);
		argv_list_push(&a, "-o");
		argv_list_push(&a, obj);
		if (cmd_run(&a))
			goto out;
		a.n = 0;
		argv_list_push(&a, po->clang);
		argv_list_push(&a, "-shared");
		argv_list_push(&a, "-fPIC");
		argv_list_push(&a, "-pthread");
		for (int i = 0; i < po->nflags; i++)
			argv_list_push(&a, po->flags[i]);
		for (int i = 0; i < po->nobjs; i++)
			argv_list_push(&a, po->objs[i]);
		argv_list_push(&a, obj);
		argv_list_push(&a, "-Wl,-Bsymbolic-functions");
		argv_list_push(&a, "-Wl,--build-id=sha1");
		/* libupstare's loader looks symbols up with it */
		argv_list_push(&a, "-Wl,--hash-style=gnu");
		argv_list_push(&a, "-o");
		argv_list_push(&a, po->output);
		if (cmd_run(&a))
			goto out;
	}
	if (check_tls(po, &news)) {
		unlink(po->output);
		goto out;
	}
	err = 0;
out:
	xfgen_close(xg);
	upmeta_free(&base);
	upmeta_free(&news);
	free(pair);
	sb_free(&gens);
	sb_free(&info);
	sb_free(&storage);
	sb_free(&moves);
	sb_free(&changed);
	sb_free(&convs);
	sb_free(&wl.text);
	return err;
}
