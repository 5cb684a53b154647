// SPDX-License-Identifier: GPL-2.0
/*
 * The .upstare metadata: one JSON document per translation unit, in a
 * non-allocated ELF section, so it costs the running program nothing.  The
 * linker concatenates the units' documents (each ends with a NUL byte).
 * Every reader, --dump-meta and --patch here as the controller, loads
 * them with controller/upmeta.c, which owns the format's version
 * (UPMETA_VERSION) and checks it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "frame.h"
#include "json.h"
#include "upmeta.h"

static void meta_global(struct tu *t, CXCursor c)
{
	struct sb *m = &t->meta_globals;
	const char *sym = rename_lookup(t, c);
	char *name = cur_spelling(c), *type = stable_spelling(clang_getCursorType(c));
	char *desc = type_desc(clang_getCursorType(c));
	CXCursor parent = clang_getCursorSemanticParent(c);

	if (t->nmeta_globals++)
		sb_puts(m, ",");
	sb_puts(m, "\n{\"name\":");
	sb_json_str(m, name);
	sb_puts(m, ",\"symbol\":");
	sb_json_str(m, sym ? sym : name);
	sb_puts(m, ",\"type\":");
	sb_json_str(m, type);
	sb_puts(m, ",\"desc\":");
	sb_json_str(m, desc);
	sb_printf(m, ",\"size\":%lld,\"static\":%s,\"line\":%u",
		  clang_Type_getSizeOf(clang_getCursorType(c)),
		  clang_Cursor_getStorageClass(c) == CX_SC_Static ? "true" : "false", cur_line(c));
	{
		char *file = cur_file(c);

		/* declared in an included file: where, for the patch's messages */
		if (file[0] && strcmp(file, t->o->srcname)) {
			sb_puts(m, ",\"file\":");
			sb_json_str(m, file);
		}
		free(file);
	}
	if (clang_getCursorKind(parent) == CXCursor_FunctionDecl) {
		char *fn = cur_spelling(parent);

		sb_puts(m, ",\"function\":");
		sb_json_str(m, fn);
		free(fn);
	}
	sb_puts(m, "}");
	free(name);
	free(type);
	free(desc);
}

/*
 * A file-scope variable declared without extern and without an
 * initializer ("struct s g;", "int a[];") is a tentative definition (C11
 * 6.9.2): the unit defines it all the same, but libclang calls none of its
 * declarations a definition, and its first declaration is often a
 * header's "extern struct s g;".  The tentative definitions are gathered
 * while visiting, and each variable is listed once, at its last one: that
 * is the declaration clang emits, with the type completed ("int a[];"
 * becomes int[1], or int[4] after "int a[4];").
 */
struct globals_scan {
	struct tu *t;
	CXCursor *tentative;
	char **usrs;
	unsigned n;
};

static void tentative_add(struct globals_scan *g, CXCursor c)
{
	g->tentative = xrealloc(g->tentative, (g->n + 1) * sizeof(*g->tentative));
	g->usrs = xrealloc(g->usrs, (g->n + 1) * sizeof(*g->usrs));
	g->tentative[g->n] = c;
	g->usrs[g->n++] = cur_usr(c);
}

static enum CXChildVisitResult globals_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct globals_scan *g = d;
	enum CXCursorKind k = clang_getCursorKind(c);

	if (k == CXCursor_VarDecl && !in_system_header(c)) {
		CXCursor parent = clang_getCursorSemanticParent(c);
		bool file_scope = clang_getCursorKind(parent) == CXCursor_TranslationUnit;
		enum CX_StorageClass sc = clang_Cursor_getStorageClass(c);

		if (clang_isCursorDefinition(c) && (file_scope || sc == CX_SC_Static))
			meta_global(g->t, c);
		else if (file_scope && sc != CX_SC_Extern &&
			 clang_Cursor_isNull(clang_getCursorDefinition(c)))
			tentative_add(g, c);
	}
	if (k == CXCursor_FunctionDecl && in_system_header(c))
		return CXChildVisit_Continue;
	return k == CXCursor_TranslationUnit || k == CXCursor_FunctionDecl || !is_expr(c) ?
	       CXChildVisit_Recurse : CXChildVisit_Continue;
}

void meta_globals(struct tu *t)
{
	struct globals_scan g = { .t = t };

	clang_visitChildren(clang_getTranslationUnitCursor(t->tu), globals_visit, &g);
	for (unsigned i = 0; i < g.n; i++) {
		unsigned j = i + 1;

		while (j < g.n && strcmp(g.usrs[i], g.usrs[j]))
			j++;
		if (j == g.n)
			meta_global(t, g.tentative[i]);
	}
	for (unsigned i = 0; i < g.n; i++)
		free(g.usrs[i]);
	free(g.usrs);
	free(g.tentative);
}

struct fields {
	struct tu *t;
	struct sb *m;
	CXType rec;
	unsigned n;
};

static enum CXChildVisitResult field_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct fields *fl = d;
	char *name, *type, *desc;
	long long off;

	if (clang_getCursorKind(c) == CXCursor_EnumConstantDecl) {
		name = cur_spelling(c);
		sb_puts(fl->m, fl->n++ ? ",{\"name\":" : "{\"name\":");
		sb_json_str(fl->m, name);
		sb_printf(fl->m, ",\"value\":%lld}", clang_getEnumConstantDeclValue(c));
		free(name);
		return CXChildVisit_Continue;
	}
	if (clang_getCursorKind(c) != CXCursor_FieldDecl)
		return CXChildVisit_Continue;
	name = cur_spelling(c);
	type = stable_spelling(clang_getCursorType(c));
	desc = type_desc(clang_getCursorType(c));
	off = clang_Cursor_getOffsetOfField(c);
	sb_puts(fl->m, fl->n++ ? ",{\"name\":" : "{\"name\":");
	sb_json_str(fl->m, name);
	sb_puts(fl->m, ",\"type\":");
	sb_json_str(fl->m, type);
	sb_puts(fl->m, ",\"desc\":");
	sb_json_str(fl->m, desc);
	sb_printf(fl->m, ",\"offset_bits\":%lld,\"size\":%lld", off,
		  clang_Type_getSizeOf(clang_getCursorType(c)));
	if (clang_Cursor_isBitField(c))
		sb_printf(fl->m, ",\"bit_width\":%d", clang_getFieldDeclBitWidth(c));
	sb_puts(fl->m, "}");
	free(name);
	free(type);
	free(desc);
	return CXChildVisit_Continue;
}

static enum CXChildVisitResult types_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct tu *t = d;
	enum CXCursorKind k = clang_getCursorKind(c);
	struct sb *m = &t->meta_types;
	struct fields fl = { t, m, clang_getCursorType(c), 0 };
	char *name;

	if (in_system_header(c))
		return CXChildVisit_Continue;
	if (k == CXCursor_FunctionDecl || is_expr(c))
		return CXChildVisit_Continue;
	if ((k != CXCursor_StructDecl && k != CXCursor_UnionDecl && k != CXCursor_EnumDecl) ||
	    !clang_isCursorDefinition(c) || clang_Cursor_isAnonymousRecordDecl(c))
		return CXChildVisit_Recurse;
	name = stable_spelling(clang_getCursorType(c));
	/* an enum is listed with its values as fields: a patch that changes
	 * them changes the type (an unnamed one no field, variable or typedef
	 * uses only names constants) */
	if (k == CXCursor_EnumDecl && (strstr(name, "(unnamed") || strstr(name, "(anonymous")) &&
	    strstr(name, " at ")) {
		free(name);
		return CXChildVisit_Continue;
	}
	if (t->nmeta_types++)
		sb_puts(m, ",");
	sb_puts(m, "\n{\"name\":");
	sb_json_str(m, name);
	sb_printf(m, ",\"kind\":\"%s\",\"size\":%lld,\"line\":%u,\"fields\":[",
		  k == CXCursor_StructDecl ? "struct" : k == CXCursor_UnionDecl ? "union" : "enum",
		  clang_Type_getSizeOf(clang_getCursorType(c)), cur_line(c));
	clang_visitChildren(c, field_visit, &fl);
	sb_puts(m, "]}");
	free(name);
	return CXChildVisit_Recurse;
}

void meta_record_types(struct tu *t)
{
	clang_visitChildren(clang_getTranslationUnitCursor(t->tu), types_visit, t);
}

/* Put the document in section .upstare with a top-level asm statement. */
/*
 * A function's document, up to its "reconstructible" (meta_function(),
 * meta_nr_function()): where it is, its name and its symbol.
 */
static struct sb *meta_function_head(struct tu *t, struct fninfo *fi)
{
	struct sb *m = &t->meta_funcs;
	CXString file;
	unsigned line, end_line;

	clang_getPresumedLocation(clang_getCursorLocation(fi->cur), &file, &line, NULL);
	clang_getPresumedLocation(clang_getRangeEnd(clang_getCursorExtent(fi->cur)), NULL,
				  &end_line, NULL);
	if (t->nmeta_funcs++)
		sb_puts(m, ",");
	sb_puts(m, "\n{\"name\":");
	sb_json_str(m, fi->name);
	sb_puts(m, ",\"symbol\":");
	sb_json_str(m, fi->ename);
	sb_puts(m, ",\"file\":");
	sb_json_str(m, clang_getCString(file));
	clang_disposeString(file);
	sb_printf(m, ",\"line\":%u,\"end_line\":%u,\"static\":%s,", line, end_line,
		  fi->is_static ? "true" : "false");
	return m;
}

/* An instrumented function: its frame record, continuation points, locals. */
void meta_function(struct tu *t, struct fninfo *fi, const struct frame *fr, unsigned long size)
{
	struct sb *m = meta_function_head(t, fi);

	sb_printf(m, "\"reconstructible\":%s,\"reason\":", fi->nr_reason ? "false" : "true");
	if (fi->nr_reason)
		sb_json_str(m, fi->nr_reason);
	else
		sb_puts(m, "null");
	sb_printf(m, ",\"frame_size\":%lu,%s\"cps\":[", size, fi->quiet ? "\"quiet\":true," : "");
	for (unsigned i = 0; i < fr->ncps; i++) {
		sb_printf(m, "%s{\"id\":%u,\"key\":", i ? "," : "", i);
		sb_json_str(m, fr->cps[i].key);
		sb_printf(m, ",\"line\":%u,\"kind\":\"%s\",\"scope\":%u", fr->cps[i].line,
			  fr->cps[i].kind, fr->cps[i].scope);
		if (fr->cps[i].ndead) {
			/* locals not saved here: their slots are undefined */
			sb_puts(m, ",\"unsaved\":[");
			for (unsigned d = 0; d < fr->cps[i].ndead; d++) {
				if (d)
					sb_puts(m, ",");
				sb_json_str(m, fr->locals[fr->cps[i].dead[d]].key);
			}
			sb_puts(m, "]");
		}
		sb_puts(m, "}");
	}
	sb_puts(m, "],\"locals\":[");
	for (unsigned i = 0; i < fr->nlocals; i++) {
		struct local *l = &fr->locals[i];

		sb_puts(m, i ? ",{\"name\":" : "{\"name\":");
		sb_json_str(m, l->orig);
		if (strcmp(l->orig, l->key)) {
			sb_puts(m, ",\"key\":");
			sb_json_str(m, l->key);
		}
		if (strcmp(l->orig, l->name)) {
			sb_puts(m, ",\"emitted_as\":");
			sb_json_str(m, l->name);
		}
		sb_puts(m, ",\"type\":");
		sb_json_str(m, l->type);
		if (l->desc) {
			sb_puts(m, ",\"desc\":");
			sb_json_str(m, l->desc);
		}
		sb_printf(m, ",\"kind\":\"%s\",\"scope\":%u,\"offset\":%lu,\"size\":%lld%s%s}",
			  l->kind, l->scope, l->off, l->size,
			  l->addr_taken ? ",\"address_taken\":true" : "",
			  l->shadow ? ",\"side_stack\":true" : "");
	}
	sb_puts(m, "],\"scopes\":[0");
	for (unsigned sc = 1; sc <= fr->nscopes; sc++)
		sb_printf(m, ",%u", fr->scope_parent[sc]);
	sb_puts(m, "],\"types_used\":[");
	for (unsigned i = 0; i < fi->ntypes; i++) {
		if (i)
			sb_puts(m, ",");
		sb_json_str(m, fi->types_used[i]);
	}
	sb_puts(m, "]}");
}

/* A function that is not rebuilt (emitted as written): why. */
void meta_nr_function(struct tu *t, struct fninfo *fi)
{
	struct sb *m = meta_function_head(t, fi);

	sb_puts(m, "\"reconstructible\":false,\"reason\":");
	sb_json_str(m, fi->nr_reason);
	sb_puts(m, ",\"cps\":[],\"locals\":[],\"types_used\":[]}");
}

void emit_meta_section(struct tu *t, struct sb *out)
{
	struct sb j = { 0 };
	size_t i, col = 0;

	sb_printf(&j, "{\"upstare_meta\":%d,\"source\":", UPMETA_VERSION);
	sb_json_str(&j, t->o->srcname);
	sb_printf(&j, ",\"functions\":[%s],\"globals\":[%s],\"types\":[%s]}",
		  t->meta_funcs.s ? t->meta_funcs.s : "", t->meta_globals.s ? t->meta_globals.s : "",
		  t->meta_types.s ? t->meta_types.s : "");
	sb_puts(out, "__asm__(\".pushsection " UPMETA_SECTION
		",\\\"\\\",@progbits\\n\"\n\"\\t.ascii \\\"");
	for (i = 0; i < j.len; i++) {
		unsigned char c = j.s[i];

		/* asm string escapes, then C string escapes of those */
		if (c == '"')
			sb_puts(out, "\\\\\\\"");
		else if (c == '\\')
			sb_puts(out, "\\\\\\\\");
		else if (c < 0x20 || c >= 0x7f)
			sb_printf(out, "\\\\%03o", c);
		else
			sb_put(out, (const char *)&c, 1);
		if (++col >= 100 && i + 1 < j.len) {
			sb_puts(out, "\\\"\\n\"\n\"\\t.ascii \\\"");
			col = 0;
		}
	}
	sb_puts(out, "\\\"\\n\\t.byte 0\\n\\t.popsection\\n\");\n");
	sb_free(&j);
}

/* ----------------------------------------------------------------- dump */

Elf *elf_open_read(const char *path, int *fd)
{
	Elf *e = elf_open(path, fd);

	if (*fd < 0)
		fprintf(stderr, "upstare-cc: %s: %s\n", path, strerror(errno));
	else if (!e)
		fprintf(stderr, "upstare-cc: %s: %s\n", path, elf_errmsg(-1));
	return e;
}

int dump_meta(const char *path)
{
	struct upmeta m = { 0 };
	char *msg;
	int n = upmeta_add(&m, path, &msg);

	if (n < 0)
		fprintf(stderr, "upstare-cc: %s\n", msg ? msg : path);
	else if (!n)
		fprintf(stderr, "upstare-cc: %s: no .upstare section: not built with upstare-cc\n",
			path);
	else {
		/* each unit as the section holds it: one document per line */
		printf("{\"build_id\":\"%s\",\"units\":[", m.build_id);
		for (size_t i = 0; i < m.nunits; i++)
			printf("%s\n%s", i ? "," : "", m.units[i].text);
		printf("\n]}\n");
	}
	free(msg);
	upmeta_free(&m);
	return n > 0 ? 0 : 1;
}
