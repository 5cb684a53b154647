// SPDX-License-Identifier: GPL-2.0
/* libclang helpers, diagnostics and the text edit machinery. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tu.h"

unsigned loc_off(CXSourceLocation l)
{
	unsigned off = 0;

	clang_getFileLocation(l, NULL, NULL, NULL, &off);
	return off;
}

unsigned cur_beg(CXCursor c)
{
	return loc_off(clang_getRangeStart(clang_getCursorExtent(c)));
}

unsigned cur_end(CXCursor c)
{
	return loc_off(clang_getRangeEnd(clang_getCursorExtent(c)));
}

unsigned cur_line(CXCursor c)
{
	unsigned line = 0;

	clang_getPresumedLocation(clang_getCursorLocation(c), NULL, &line, NULL);
	return line;
}

static char *take(CXString s)
{
	char *r = xstrdup(clang_getCString(s) ? clang_getCString(s) : "");

	clang_disposeString(s);
	return r;
}

/* The file the cursor is in, as #line markers name it. */
char *cur_file(CXCursor c)
{
	CXString f;

	clang_getPresumedLocation(clang_getCursorLocation(c), &f, NULL, NULL);
	return take(f);
}

char *cur_spelling(CXCursor c)
{
	return take(clang_getCursorSpelling(c));
}

char *type_spelling(CXType t)
{
	return take(clang_getTypeSpelling(t));
}

char *cur_usr(CXCursor c)
{
	return take(clang_getCursorUSR(c));
}

/*
 * Is the location in a library's header by where that is installed?  A
 * library whose headers are in a directory of their own under
 * /usr/include is named with -I (-I/usr/include/tcl8.6), which makes them
 * user headers for clang; its functions are the library's all the same:
 * not instrumented, so a call to one is no continuation point, and a
 * function handed to one is a callback.  (The unit parsed is
 * preprocessed: the header's name is the one its line markers give.)
 */
static bool installed_header(CXSourceLocation loc)
{
	static const char *const roots[] = { "/usr/include/", "/usr/local/include/" };
	const char *name;
	CXString s;
	bool res = false;

	clang_getPresumedLocation(loc, &s, NULL, NULL);
	name = clang_getCString(s);
	for (unsigned i = 0; name && i < sizeof(roots) / sizeof(roots[0]); i++)
		res |= !strncmp(name, roots[i], strlen(roots[i]));
	clang_disposeString(s);
	return res;
}

bool in_system_header(CXCursor c)
{
	CXSourceLocation loc = clang_getCursorLocation(c);

	return clang_Location_isInSystemHeader(loc) || installed_header(loc);
}

bool is_expr(CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	return clang_isExpression(k) || k == CXCursor_StmtExpr;
}

struct kidvec {
	CXCursor *v;
	unsigned n, cap;
};

static enum CXChildVisitResult kid_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	struct kidvec *k = d;

	if (k->n == k->cap) {
		k->cap = k->cap ? k->cap * 2 : 8;
		k->v = xrealloc(k->v, k->cap * sizeof(*k->v));
	}
	k->v[k->n++] = c;
	return CXChildVisit_Continue;
}

unsigned get_kids(CXCursor c, CXCursor **out)
{
	struct kidvec k = { 0 };

	clang_visitChildren(c, kid_visit, &k);
	*out = k.v;
	return k.n;
}

/* Look through implicit conversions (UnexposedExpr with one child) and parens. */
CXCursor strip_implicit(CXCursor c)
{
	for (;;) {
		enum CXCursorKind k = clang_getCursorKind(c);
		CXCursor *kids;
		unsigned n;

		if (k != CXCursor_UnexposedExpr && k != CXCursor_ParenExpr)
			return c;
		n = get_kids(c, &kids);
		if (n != 1 || !is_expr(kids[0])) {
			free(kids);
			return c;
		}
		c = kids[0];
		free(kids);
	}
}

/*
 * The function a call names directly ("f(x)", "(f)(x)", "(*f)(x)"), or a
 * null cursor for an indirect call.  clang_getCursorReferenced() on a
 * CallExpr also answers for "get(c)(a, b)" (the callee of the callee), so
 * it cannot tell direct calls apart.
 */
/* A literal or an enumeration constant. */
bool is_const_expr(CXCursor e)
{
	e = strip_implicit(e);
	switch (clang_getCursorKind(e)) {
	case CXCursor_IntegerLiteral:
	case CXCursor_FloatingLiteral:
	case CXCursor_CharacterLiteral:
	case CXCursor_StringLiteral:
		return true;
	case CXCursor_DeclRefExpr:
		return clang_getCursorKind(clang_getCursorReferenced(e)) == CXCursor_EnumConstantDecl;
	default:
		return false;
	}
}

/* The value of an integer constant expression (a literal, an enumerator, -1, ...). */
bool int_value(CXCursor e, long long *v)
{
	CXEvalResult r;
	bool ok;

	if (!is_const_expr(e) && clang_getCursorKind(strip_implicit(e)) != CXCursor_UnaryOperator)
		return false;
	r = clang_Cursor_Evaluate(e);
	if (!r)
		return false;
	ok = clang_EvalResult_getKind(r) == CXEval_Int;
	if (ok)
		*v = clang_EvalResult_getAsLongLong(r);
	clang_EvalResult_dispose(r);
	return ok;
}

/* "do { ... } while (0)", as macros write it: it runs once, it is no loop. */
bool runs_once(CXCursor do_stmt)
{
	CXCursor *kids;
	unsigned n = get_kids(do_stmt, &kids);
	long long v;
	bool r = n && int_value(kids[n - 1], &v) && !v;

	free(kids);
	return r;
}

unsigned tokens_in(struct tu *t, unsigned beg, unsigned end, struct tok **out)
{
	CXSourceRange r = clang_getRange(clang_getLocationForOffset(t->tu, t->file, beg),
					 clang_getLocationForOffset(t->tu, t->file, end));
	CXToken *toks;
	unsigned n, i, m = 0;
	struct tok *v;

	clang_tokenize(t->tu, r, &toks, &n);
	v = xrealloc(NULL, (n + 1) * sizeof(*v));
	for (i = 0; i < n; i++) {
		CXSourceRange e = clang_getTokenExtent(t->tu, toks[i]);
		unsigned b = loc_off(clang_getRangeStart(e));

		if (b < beg || b >= end)
			continue;
		v[m].beg = b;
		v[m].end = loc_off(clang_getRangeEnd(e));
		v[m].s = take(clang_getTokenSpelling(t->tu, toks[i]));
		m++;
	}
	clang_disposeTokens(t->tu, toks, n);
	*out = v;
	return m;
}

void tokens_free(struct tok *v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		free(v[i].s);
	free(v);
}

static void vdiag_loc(struct tu *t, CXSourceLocation l, const char *sev, const char *fmt,
		      va_list ap)
{
	CXString file;
	unsigned line, col;

	clang_getPresumedLocation(l, &file, &line, &col);
	fprintf(stderr, "%s:%u:%u: %s: ", clang_getCString(file), line, col, sev);
	clang_disposeString(file);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	if (!strcmp(sev, "error"))
		t->nerrors++;
}

void diag(struct tu *t, CXCursor c, const char *sev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag_loc(t, clang_getCursorLocation(c), sev, fmt, ap);
	va_end(ap);
}

void diag_at(struct tu *t, unsigned off, const char *sev, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vdiag_loc(t, clang_getLocationForOffset(t->tu, t->file, off), sev, fmt, ap);
	va_end(ap);
}

void add_edit(struct tu *t, unsigned off, unsigned len, const char *text)
{
	for (unsigned i = 0; i < t->nedits; i++)
		if (t->edits[i].off == off)
			return;		/* one edit per token */
	if (t->nedits == t->capedits) {
		t->capedits = t->capedits ? t->capedits * 2 : 64;
		t->edits = xrealloc(t->edits, t->capedits * sizeof(*t->edits));
	}
	t->edits[t->nedits++] = (struct edit){ off, len, text };
	t->edits_sorted = false;
}

void add_region(struct tu *t, unsigned beg, unsigned end, char *text)
{
	if (t->nregions == t->capregions) {
		t->capregions = t->capregions ? t->capregions * 2 : 64;
		t->regions = xrealloc(t->regions, t->capregions * sizeof(*t->regions));
	}
	t->regions[t->nregions++] = (struct region){ beg, end, text };
}

static int edit_cmp(const void *a, const void *b)
{
	const struct edit *x = a, *y = b;

	return x->off < y->off ? -1 : x->off > y->off;
}

/* first edit at or after off */
static unsigned edit_lower(struct tu *t, unsigned off)
{
	unsigned lo = 0, hi = t->nedits;

	if (!t->edits_sorted) {
		qsort(t->edits, t->nedits, sizeof(*t->edits), edit_cmp);
		t->edits_sorted = true;
	}
	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (t->edits[mid].off < off)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void copy_text(struct tu *t, struct sb *b, unsigned beg, unsigned end)
{
	unsigned i = edit_lower(t, beg);

	while (beg < end) {
		if (i < t->nedits && t->edits[i].off < end) {
			struct edit *e = &t->edits[i++];

			if (e->off < beg)
				continue;
			sb_put(b, t->buf + beg, e->off - beg);
			sb_puts(b, e->text);
			beg = e->off + e->len;
			continue;
		}
		sb_put(b, t->buf + beg, end - beg);
		break;
	}
}

/* A #line directive so that diagnostics and debug info name the source. */
void emit_line(struct tu *t, struct sb *b, unsigned off)
{
	CXSourceLocation l = clang_getLocationForOffset(t->tu, t->file, off);
	CXString file;
	unsigned line;
	const char *f;

	clang_getPresumedLocation(l, &file, &line, NULL);
	f = clang_getCString(file);
	if (b->len && b->s[b->len - 1] != '\n')
		sb_puts(b, "\n");
	sb_printf(b, "#line %u \"", line);
	for (; f && *f; f++) {
		if (*f == '"' || *f == '\\')
			sb_put(b, "\\", 1);
		sb_put(b, f, 1);
	}
	sb_puts(b, "\"\n");
	clang_disposeString(file);
}

/*
 * The key of a renamed declaration: its USR, except for types declared
 * inside functions, whose USRs libclang does not keep apart (two
 * "enum level" in sibling blocks share one): those are keyed by where
 * their first declaration is.
 */
static char *rename_key(CXCursor decl)
{
	char *key;

	if (!is_block_type_decl(decl))
		return cur_usr(decl);
	if (asprintf(&key, "@bt%u",
		     loc_off(clang_getCursorLocation(clang_getCanonicalCursor(decl)))) < 0)
		abort();
	return key;
}

const char *rename_lookup(struct tu *t, CXCursor decl)
{
	char *name = cur_spelling(decl), *usr;
	const char *res = NULL;
	unsigned i;

	for (i = 0; i < t->nrenamed_names; i++)
		if (!strcmp(t->renamed_names[i], name))
			break;
	free(name);
	if (i == t->nrenamed_names)
		return NULL;
	usr = rename_key(decl);
	for (i = 0; i < t->nrenames; i++)
		if (!strcmp(t->renames[i].usr, usr)) {
			res = t->renames[i].name;
			break;
		}
	free(usr);
	return res;
}

/* Rename decl to name, replacing the name it was given before, if any. */
void rename_set(struct tu *t, CXCursor decl, const char *name)
{
	char *usr = rename_key(decl);

	for (unsigned i = 0; i < t->nrenames; i++)
		if (!strcmp(t->renames[i].usr, usr)) {
			free(t->renames[i].name);
			t->renames[i].name = xstrdup(name);
			free(usr);
			return;
		}
	free(usr);
	rename_add(t, decl, name);
}

void rename_add(struct tu *t, CXCursor decl, const char *name)
{
	char *sp = cur_spelling(decl);
	unsigned i;

	t->renames = xrealloc(t->renames, (t->nrenames + 1) * sizeof(*t->renames));
	t->renames[t->nrenames].usr = rename_key(decl);
	t->renames[t->nrenames].name = xstrdup(name);
	t->nrenames++;
	for (i = 0; i < t->nrenamed_names; i++)
		if (!strcmp(t->renamed_names[i], sp))
			break;
	if (i == t->nrenamed_names) {
		t->renamed_names = xrealloc(t->renamed_names,
					    (t->nrenamed_names + 1) * sizeof(char *));
		t->renamed_names[t->nrenamed_names++] = sp;
	} else {
		free(sp);
	}
}

static enum CXChildVisitResult rename_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	struct tu *t = d;
	enum CXCursorKind k = clang_getCursorKind(c);
	const char *n;

	if (k == CXCursor_DeclRefExpr) {
		CXCursor ref = clang_getCursorReferenced(c);

		if (!clang_Cursor_isNull(ref) && (n = rename_lookup(t, ref))) {
			unsigned off = loc_off(clang_getCursorLocation(c));
			char *sp = cur_spelling(c);

			add_edit(t, off, strlen(sp), n);
			free(sp);
		}
	} else if (k == CXCursor_TypeRef) {
		CXCursor ref = clang_getCursorReferenced(c);

		if (!clang_Cursor_isNull(ref) && is_block_type_decl(ref) &&
		    (n = rename_lookup(t, ref))) {
			char *sp = cur_spelling(ref);

			add_edit(t, loc_off(clang_getCursorLocation(c)), strlen(sp), n);
			free(sp);
		}
	} else if ((k == CXCursor_VarDecl || k == CXCursor_FunctionDecl ||
		    k == CXCursor_ParmDecl || is_block_type_decl(c)) &&
		   (n = rename_lookup(t, c))) {
		unsigned off = loc_off(clang_getCursorLocation(c));
		char *sp = cur_spelling(c);

		add_edit(t, off, strlen(sp), n);
		free(sp);
	}
	return CXChildVisit_Recurse;
}

void apply_renames(struct tu *t)
{
	if (t->nrenames)
		clang_visitChildren(clang_getTranslationUnitCursor(t->tu), rename_visit, t);
}

/* A named type, typedef or enum constant declared inside a function. */
bool is_block_type_decl(CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	if (k != CXCursor_StructDecl && k != CXCursor_UnionDecl && k != CXCursor_EnumDecl &&
	    k != CXCursor_TypedefDecl && k != CXCursor_EnumConstantDecl)
		return false;
	do {
		c = clang_getCursorSemanticParent(c);
		k = clang_getCursorKind(c);
	} while (k == CXCursor_StructDecl || k == CXCursor_UnionDecl || k == CXCursor_EnumDecl);
	return k == CXCursor_FunctionDecl;
}

/* Does spelling t name a type declared inside a function? */
bool type_has_block_decl(CXType t)
{
	for (int depth = 0; depth < 32 && t.kind != CXType_Invalid; depth++) {
		CXCursor d = clang_getTypeDeclaration(t);
		int n;

		if (!clang_Cursor_isNull(d) && is_block_type_decl(d))
			return true;
		switch (t.kind) {
		case CXType_Elaborated:
			t = clang_Type_getNamedType(t);
			break;
		case CXType_Pointer:
			t = clang_getPointeeType(t);
			break;
		case CXType_ConstantArray: case CXType_IncompleteArray:
		case CXType_VariableArray: case CXType_DependentSizedArray:
			t = clang_getArrayElementType(t);
			break;
		case CXType_FunctionProto:
			n = clang_getNumArgTypes(t);
			for (int i = 0; i < n; i++)
				if (type_has_block_decl(clang_getArgType(t, i)))
					return true;
			t = clang_getResultType(t);
			break;
		case CXType_FunctionNoProto:
			t = clang_getResultType(t);
			break;
		case CXType_Attributed:
			t = clang_Type_getModifiedType(t);
			break;
		default:
			return false;
		}
	}
	return false;
}

/* The record or enum a type is made of, through pointers and arrays. */
static CXCursor base_decl(CXType t)
{
	for (;;) {
		t = clang_getCanonicalType(t);
		if (t.kind == CXType_Pointer)
			t = clang_getPointeeType(t);
		else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray ||
			 t.kind == CXType_VariableArray)
			t = clang_getArrayElementType(t);
		else
			return clang_getTypeDeclaration(t);
	}
}

struct user_of {
	CXCursor decl, found;
	int kind;	/* CXCursor_FieldDecl or CXCursor_VarDecl/TypedefDecl */
};

static enum CXChildVisitResult user_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct user_of *u = d;
	enum CXCursorKind k = clang_getCursorKind(c);

	if ((k == CXCursor_FieldDecl || k == CXCursor_VarDecl) &&
	    clang_equalCursors(clang_getCanonicalCursor(base_decl(clang_getCursorType(c))),
			       clang_getCanonicalCursor(u->decl))) {
		u->found = c;
		return CXChildVisit_Break;
	}
	if (k == CXCursor_TypedefDecl &&
	    clang_equalCursors(clang_getCanonicalCursor(base_decl(
					clang_getTypedefDeclUnderlyingType(c))),
			       clang_getCanonicalCursor(u->decl))) {
		u->found = c;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Continue;
}

/*
 * A name for an unnamed struct, union or enum that does not depend on
 * where it is in the file (clang's "(unnamed union at x.h:590:5)" changes
 * whenever a line is added above it, and a patch would take that for a
 * change of type): "(unnamed union in struct item.data)", after the field,
 * variable or typedef declared with it.
 */
static char *unnamed_name(CXCursor decl, const char *kind)
{
	CXCursor parent = clang_getCursorSemanticParent(decl);
	struct user_of u = { .decl = decl, .found = clang_getNullCursor() };
	struct sb b = { 0 };
	char *in, *who;

	clang_visitChildren(parent, user_visit, &u);
	if (clang_Cursor_isNull(u.found))
		return NULL;
	who = cur_spelling(u.found);
	if (clang_getCursorKind(parent) == CXCursor_StructDecl ||
	    clang_getCursorKind(parent) == CXCursor_UnionDecl) {
		in = stable_spelling(clang_getCursorType(parent));
		sb_printf(&b, "%s (unnamed %s in %s.%s)", kind, kind, in, who);
		free(in);
	} else {
		sb_printf(&b, "%s (unnamed %s in %s%s)", kind, kind,
			  clang_getCursorKind(u.found) == CXCursor_TypedefDecl ? "typedef " : "", who);
	}
	free(who);
	return b.s;
}

char *stable_spelling(CXType t)
{
	static const char *const kw[] = { "struct ", "union ", "enum " };
	char *s = type_spelling(t), *a, *e, *start, *name, *r;
	CXCursor decl;
	const char *kind;
	int depth = 0;

	a = strstr(s, "(unnamed ");
	if (!a)
		a = strstr(s, "(anonymous ");
	if (!a)
		return s;
	for (e = a; *e; e++)
		if (*e == '(')
			depth++;
		else if (*e == ')' && !--depth)
			break;
	if (!*e)
		return s;
	/* "union item::(unnamed at x.h:5:2)": the keyword and qualifiers too */
	for (start = a; start > s && (isalnum((unsigned char)start[-1]) || start[-1] == '_' ||
				      start[-1] == ':');)
		start--;
	for (unsigned i = 0; i < 3; i++)
		if ((size_t)(start - s) >= strlen(kw[i]) &&
		    !strncmp(start - strlen(kw[i]), kw[i], strlen(kw[i]))) {
			start -= strlen(kw[i]);
			break;
		}
	decl = base_decl(t);
	kind = clang_getCursorKind(decl) == CXCursor_UnionDecl ? "union" :
	       clang_getCursorKind(decl) == CXCursor_EnumDecl ? "enum" : "struct";
	name = unnamed_name(decl, kind);
	if (!name)
		return s;
	if (asprintf(&r, "%.*s%s%s", (int)(start - s), s, name, e + 1) < 0)
		r = NULL;
	free(name);
	if (!r)
		return s;
	free(s);
	return r;
}

/*
 * The canonical shape of a type, for the patch generator (xfgen.c), which
 * must know how to convert a value without the program's headers:
 *	b1, iN, uN, fN		bool, signed/unsigned integer, floating, N bytes
 *	e<int><enum e>		enum of that integer type
 *	p, p<struct s>, pp<..>	pointer (to that record or enum, or pointer)
 *	r<struct s>		struct or union
 *	aN:<desc>		array of N elements
 *	xN			anything else (copied only when unchanged)
 */
static void desc_put(struct sb *b, CXType t)
{
	long long size;
	char *sp;

	t = clang_getCanonicalType(t);
	size = clang_Type_getSizeOf(t);
	switch (t.kind) {
	case CXType_Bool:
		sb_printf(b, "b%lld", size);
		return;
	case CXType_Char_S: case CXType_SChar: case CXType_Short: case CXType_Int:
	case CXType_Long: case CXType_LongLong: case CXType_Int128: case CXType_WChar:
		sb_printf(b, "i%lld", size);
		return;
	case CXType_Char_U: case CXType_UChar: case CXType_UShort: case CXType_UInt:
	case CXType_ULong: case CXType_ULongLong: case CXType_UInt128: case CXType_Char16:
	case CXType_Char32:
		sb_printf(b, "u%lld", size);
		return;
	case CXType_Float: case CXType_Double: case CXType_LongDouble:
		sb_printf(b, "f%lld", size);
		return;
	case CXType_Enum:
		sb_puts(b, "e");
		desc_put(b, clang_getEnumDeclIntegerType(clang_getTypeDeclaration(t)));
		sp = stable_spelling(t);
		sb_printf(b, "<%s>", sp);
		free(sp);
		return;
	case CXType_Pointer: {
		CXType pt = clang_getCanonicalType(clang_getPointeeType(t));

		sb_puts(b, "p");
		if (pt.kind == CXType_Record || pt.kind == CXType_Enum) {
			sp = stable_spelling(clang_getCursorType(clang_getTypeDeclaration(pt)));
			sb_printf(b, "<%s>", sp);
			free(sp);
		} else if (pt.kind == CXType_Pointer) {
			desc_put(b, pt);	/* "pp<struct conn>": what it leads to */
		}
		return;
	}
	case CXType_Record:
		sp = stable_spelling(clang_getCursorType(clang_getTypeDeclaration(t)));
		sb_printf(b, "r<%s>", sp);
		free(sp);
		return;
	case CXType_ConstantArray:
		sb_printf(b, "a%lld:", clang_getArraySize(t));
		desc_put(b, clang_getArrayElementType(t));
		return;
	default:
		sb_printf(b, "x%lld", size);
		return;
	}
}

char *type_desc(CXType t)
{
	struct sb b = { 0 };

	desc_put(&b, t);
	return b.s ? b.s : xstrdup("x0");
}
