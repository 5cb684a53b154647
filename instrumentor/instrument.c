// SPDX-License-Identifier: GPL-2.0
/*
 * Instrument one preprocessed translation unit.
 *
 * The output is the input text with edits: every function definition
 * outside system headers is replaced by its instrumented form (emit.c),
 * file-scope statics are exported under mangled names, main is renamed so
 * the runtime's thread-entry wrapper can call it, pthread_create is
 * redirected to the runtime's wrapper, and the .upstare metadata section
 * is appended.  The rest is copied verbatim, so everything the compiler
 * sees outside function bodies is what the programmer wrote.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "calls.h"
#include "function.h"
#include "abi-prelude.h"

static char *read_all(const char *path, unsigned *len)
{
	struct sb b = { 0 };
	char chunk[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		sb_put(&b, chunk, n);
	close(fd);
	if (!b.s)
		sb_puts(&b, "");
	*len = b.len;
	return b.s;
}

/*
 * The source path as the exported names spell it, the same however the
 * command line spelled it: made absolute against the working directory,
 * "." and ".." resolved lexically (symbolic links are left alone), then
 * made relative to the working directory when it lies below it.  So
 * "s.c", "./s.c", "sub/../s.c" and "$PWD/s.c" all give "s.c", and a file
 * outside the working directory keeps its absolute path.
 */
static char *normalize_path(const char *path)
{
	char *cwd = getcwd(NULL, 0), *full, *out, *seg, *save = NULL;
	size_t cl = cwd ? strlen(cwd) : 0, len = 0;

	if (path[0] == '/' || !cwd) {
		full = xstrdup(path);
	} else if (asprintf(&full, "%s/%s", cwd, path) < 0) {
		abort();
	}
	out = xrealloc(NULL, strlen(full) + 2);
	out[0] = 0;
	for (seg = strtok_r(full, "/", &save); seg; seg = strtok_r(NULL, "/", &save)) {
		if (!strcmp(seg, "."))
			continue;
		if (!strcmp(seg, "..")) {
			while (len && out[len - 1] != '/')
				len--;
			if (len)
				len--;
			out[len] = 0;
			continue;
		}
		len += sprintf(out + len, "/%s", seg);
	}
	if (!len)
		strcpy(out, "/");
	free(full);
	if (cwd && cl > 1 && !strncmp(out, cwd, cl) && out[cl] == '/')
		memmove(out, out + cl + 1, strlen(out + cl + 1) + 1);
	else if (cwd && cl == 1 && out[1])
		memmove(out, out + 1, strlen(out));
	free(cwd);
	return out;
}

static char *mangle_path(const char *path)
{
	struct sb b = { 0 };
	char *norm = normalize_path(path), *p = norm;

	for (; *p; p++) {
		char c = *p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
			sb_put(&b, &c, 1);
		else
			sb_put(&b, "_", 1);
	}
	free(norm);
	return b.s ? b.s : xstrdup("_");
}

/* ------------------------------------------------------------ TU-wide scans */

struct callbacks {
	char **usrs;
	unsigned n;
	CXType *types;		/* function types of pointers passed indirectly */
	unsigned ntypes;
	char **cleanups;	/* functions named in __attribute__((cleanup(fn))) */
	unsigned ncleanups;
	/* functions cast to another function pointer type: "(Tcl_CmdProc *)f" */
	struct fn_cast {
		char *usr;
		CXType t;	/* the function type it is cast to */
	} *casts;
	unsigned ncasts;
	struct tu *t;
};

/*
 * A cleanup function runs on behalf of a non-reconstructible frame (a
 * function with a cleanup variable is one), after it called
 * __upstare_nr_leave when it returns: it must not park either.
 */
static void cleanup_names(struct callbacks *cb, CXCursor var)
{
	struct tok *v;
	unsigned n = tokens_in(cb->t, cur_beg(var), cur_end(var), &v);

	for (unsigned i = 0; i + 2 < n; i++)
		if ((!strcmp(v[i].s, "cleanup") || !strcmp(v[i].s, "__cleanup__")) &&
		    !strcmp(v[i + 1].s, "(")) {
			cb->cleanups = xrealloc(cb->cleanups,
						(cb->ncleanups + 1) * sizeof(char *));
			cb->cleanups[cb->ncleanups++] = xstrdup(v[i + 2].s);
		}
	tokens_free(v, n);
}

static bool cleanup_in(struct callbacks *cb, CXCursor fn)
{
	char *name = cur_spelling(fn);
	bool r = false;

	for (unsigned i = 0; i < cb->ncleanups && !r; i++)
		r = !strcmp(cb->cleanups[i], name);
	free(name);
	return r;
}

/*
 * A function pointer handed to library code through a variable, a field,
 * an array or a call ("qsort(v, n, s, cmp)"): which function it holds is
 * not known here, so every function of its type whose address is taken
 * counts as a callback.
 */
static void callback_type_add(struct callbacks *cb, CXType t)
{
	t = clang_getCanonicalType(t);
	if (t.kind != CXType_Pointer)
		return;
	t = clang_getCanonicalType(clang_getPointeeType(t));
	if (t.kind != CXType_FunctionProto && t.kind != CXType_FunctionNoProto)
		return;
	for (unsigned i = 0; i < cb->ntypes; i++)
		if (clang_equalTypes(cb->types[i], t))
			return;
	cb->types = xrealloc(cb->types, (cb->ntypes + 1) * sizeof(*cb->types));
	cb->types[cb->ntypes++] = t;
}

static bool is_callback_type(struct callbacks *cb, CXType t)
{
	for (unsigned i = 0; i < cb->ntypes; i++)
		if (clang_equalTypes(cb->types[i], t))
			return true;
	return false;
}

/*
 * Is fn of a type handed to library code, or cast to one where its
 * address is taken (SQLite's test1.c lists "(Tcl_CmdProc *)test_exec" in
 * a table that a loop hands to Tcl_CreateCommand)?
 */
static bool type_in(struct callbacks *cb, const struct callbacks *taken, CXCursor fn)
{
	char *usr;
	bool r = is_callback_type(cb, clang_getCanonicalType(clang_getCursorType(fn)));

	if (r || !taken->ncasts)
		return r;
	usr = cur_usr(fn);
	for (unsigned i = 0; i < taken->ncasts && !r; i++)
		r = !strcmp(taken->casts[i].usr, usr) && is_callback_type(cb, taken->casts[i].t);
	free(usr);
	return r;
}

/* The operand of a unary operator or a cast (its last child), or e when it has none. */
static CXCursor operand_of(CXCursor e)
{
	CXCursor *kids;
	unsigned n = get_kids(e, &kids);

	if (n)
		e = strip_implicit(kids[n - 1]);
	free(kids);
	return e;
}

/* c, a cast of a function's name to another function pointer type: note it. */
static void cast_add(struct callbacks *taken, CXCursor c)
{
	CXType t = clang_getCanonicalType(clang_getCursorType(c));
	CXCursor e;

	if (t.kind != CXType_Pointer)
		return;
	t = clang_getCanonicalType(clang_getPointeeType(t));
	if (t.kind != CXType_FunctionProto && t.kind != CXType_FunctionNoProto)
		return;
	e = operand_of(c);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator)	/* (T *)&f */
		e = operand_of(e);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr ||
	    clang_getCursorKind(clang_getCursorReferenced(e)) != CXCursor_FunctionDecl)
		return;
	taken->casts = xrealloc(taken->casts, (taken->ncasts + 1) * sizeof(*taken->casts));
	taken->casts[taken->ncasts++] =
		(struct fn_cast){ cur_usr(clang_getCursorReferenced(e)), t };
}

static void callback_add(struct callbacks *cb, CXCursor e)
{
	CXCursor ref, arg = e;
	char *usr;

	e = strip_implicit(e);
	if (clang_getCursorKind(e) == CXCursor_UnaryOperator)
		e = operand_of(e);
	if (clang_getCursorKind(e) == CXCursor_CStyleCastExpr)
		e = operand_of(e);
	ref = clang_getCursorKind(e) == CXCursor_DeclRefExpr ? clang_getCursorReferenced(e) :
	      clang_getNullCursor();
	if (clang_getCursorKind(ref) != CXCursor_FunctionDecl) {
		/* SIG_IGN, SIG_DFL, NULL: a constant names no function */
		if (clang_getCursorKind(e) == CXCursor_IntegerLiteral)
			return;
		callback_type_add(cb, clang_getCursorType(arg));
		callback_type_add(cb, clang_getCursorType(e));
		return;
	}
	if (in_system_header(ref))
		return;
	usr = cur_usr(ref);
	cb->usrs = xrealloc(cb->usrs, (cb->n + 1) * sizeof(char *));
	cb->usrs[cb->n++] = usr;
}

static bool member_of_system_record(CXCursor lhs)
{
	CXCursor ref;

	lhs = strip_implicit(lhs);
	if (clang_getCursorKind(lhs) != CXCursor_MemberRefExpr)
		return false;
	ref = clang_getCursorReferenced(lhs);
	return !clang_Cursor_isNull(ref) && in_system_header(ref);
}

static bool system_record(CXType t)
{
	CXCursor d;

	t = clang_getCanonicalType(t);
	if (t.kind != CXType_Record)
		return false;
	d = clang_getTypeDeclaration(t);
	return !clang_Cursor_isNull(d) && in_system_header(d);
}

/*
 * Functions handed to library code: passed to a function declared in a
 * system header (signal, qsort, atexit, ...), or stored into a field of a
 * system structure (sigaction's sa_handler), by assignment or in an
 * initializer.  Library code calls them, so their frames sit on top of
 * frames that cannot be rebuilt.
 */
static enum CXChildVisitResult callback_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct callbacks *cb = d;
	enum CXCursorKind k = clang_getCursorKind(c);

	if (k == CXCursor_CallExpr) {
		CXCursor ref = call_target(c), *kids;
		unsigned n;
		char *name;

		if (clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl ||
		    !in_system_header(ref))
			return CXChildVisit_Recurse;
		name = cur_spelling(ref);
		if (strcmp(name, "pthread_create")) {
			n = get_kids(c, &kids);
			for (unsigned i = 1; i < n; i++)
				callback_add(cb, kids[i]);
			free(kids);
		}
		free(name);
	} else if (k == CXCursor_VarDecl && !in_system_header(c) &&
		   clang_getCursorKind(clang_getCursorSemanticParent(c)) == CXCursor_FunctionDecl) {
		cleanup_names(cb, c);
	} else if (k == CXCursor_InitListExpr && system_record(clang_getCursorType(c))) {
		/* struct sigaction sa = { .sa_handler = h } */
		CXCursor *kids;
		unsigned n = get_kids(c, &kids);

		for (unsigned i = 0; i < n; i++) {
			CXCursor e = kids[i], *dk;
			unsigned nd;

			if (clang_getCursorKind(e) == CXCursor_UnexposedExpr &&
			    clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Void) {
				nd = get_kids(e, &dk);	/* designated: the value is last */
				if (nd)
					e = dk[nd - 1];
				free(dk);
			}
			if (clang_getCursorKind(e) != CXCursor_InitListExpr)
				callback_add(cb, e);
		}
		free(kids);
	} else if (k == CXCursor_BinaryOperator &&
		   clang_getCursorBinaryOperatorKind(c) == CXBinaryOperator_Assign) {
		CXCursor *kids;
		unsigned n = get_kids(c, &kids);

		if (n == 2 && member_of_system_record(kids[0]))
			callback_add(cb, kids[1]);
		free(kids);
	}
	return CXChildVisit_Recurse;
}

static bool usr_in(struct callbacks *cb, CXCursor fn)
{
	char *usr = cur_usr(fn);
	bool r = false;

	for (unsigned i = 0; i < cb->n && !r; i++)
		r = !strcmp(cb->usrs[i], usr);
	free(usr);
	return r;
}

/* Functions whose address is taken anywhere in the unit. */
static enum CXChildVisitResult addr_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct callbacks *taken = d;

	if (clang_getCursorKind(c) == CXCursor_DeclRefExpr &&
	    clang_getCursorKind(p) != CXCursor_CallExpr) {
		CXCursor ref = clang_getCursorReferenced(c);

		if (clang_getCursorKind(ref) == CXCursor_FunctionDecl)
			callback_add(taken, c);
	} else if (clang_getCursorKind(c) == CXCursor_CStyleCastExpr) {
		cast_add(taken, c);
	} else if (clang_getCursorKind(c) == CXCursor_CallExpr) {
		/* the callee position of a direct call does not take the address */
		CXCursor *kids;
		unsigned n = get_kids(c, &kids);

		for (unsigned i = 1; i < n; i++)
			clang_visitChildren(kids[i], addr_visit, d), addr_visit(kids[i], c, d);
		if (n && clang_getCursorKind(strip_implicit(kids[0])) != CXCursor_DeclRefExpr)
			clang_visitChildren(kids[0], addr_visit, d);
		free(kids);
		return CXChildVisit_Continue;
	}
	return CXChildVisit_Recurse;
}

/* ------------------------------------------------------------ token edits */

/* Programs' own noreturn functions return while their thread unwinds. */
static void drop_noreturn(struct tu *t, CXCursor fn, unsigned end)
{
	struct tok *v;
	unsigned n = tokens_in(t, cur_beg(fn), end, &v);

	for (unsigned i = 0; i < n; i++) {
		if (!strcmp(v[i].s, "_Noreturn"))
			add_edit(t, v[i].beg, v[i].end - v[i].beg, "");
		else if (!strcmp(v[i].s, "noreturn") || !strcmp(v[i].s, "__noreturn__"))
			add_edit(t, v[i].beg, v[i].end - v[i].beg, "__cold__");
	}
	tokens_free(v, n);
}

static void export_static(struct tu *t, CXCursor var)
{
	char *name = cur_spelling(var);
	struct sb m = { 0 };
	struct tok *v;
	unsigned n = tokens_in(t, cur_beg(var), loc_off(clang_getCursorLocation(var)), &v);

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].s, "static"))
			add_edit(t, v[i].beg, v[i].end - v[i].beg, "");
	tokens_free(v, n);
	if (!rename_lookup(t, var)) {
		sb_printf(&m, "__upstare_s_%s_%s", t->mangle, name);
		rename_add(t, var, m.s);
		sb_free(&m);
	}
	free(name);
}

/*
 * The wrapper has pthread_create's own type: declare it right after the
 * system declaration the program's call refers to, by editing that
 * declaration's closing semicolon (once per declaration).
 */
static void declare_pthread_wrapper(struct tu *t, CXCursor decl)
{
	unsigned end = cur_end(decl), n, i;
	struct tok *v;

	n = tokens_in(t, end, end + 256 < t->len ? end + 256 : t->len, &v);
	for (i = 0; i < n && strcmp(v[i].s, ";"); i++)
		;
	if (i < n)	/* add_edit keeps one edit per token */
		add_edit(t, v[i].beg, 1,
			 "; extern __typeof__(pthread_create) __upstare_pthread_create;");
	else
		diag(t, decl, "error", "cannot find the end of pthread_create's declaration");
	tokens_free(v, n);
}

/* pthread_create: program threads start under the runtime's entry wrapper. */
static enum CXChildVisitResult pthread_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct tu *t = d;

	if (clang_getCursorKind(c) == CXCursor_DeclRefExpr && !in_system_header(c)) {
		CXCursor ref = clang_getCursorReferenced(c);
		char *n = cur_spelling(ref);

		if (!strcmp(n, "pthread_create") && in_system_header(ref)) {
			add_edit(t, loc_off(clang_getCursorLocation(c)), strlen(n),
				 "__upstare_pthread_create");
			declare_pthread_wrapper(t, ref);
		}
		free(n);
	}
	return CXChildVisit_Recurse;
}

static int region_cmp(const void *a, const void *b)
{
	const struct region *x = a, *y = b;

	return x->beg < y->beg ? -1 : x->beg > y->beg;
}

static int write_output(struct tu *t, const char *path)
{
	struct sb o = { 0 };
	unsigned pos = 0;
	FILE *fp;

	sb_puts(&o, "/* instrumented by upstare-cc */\n");
	sb_puts(&o, abi_prelude);
	/*
	 * Code linked into the executable reads the pending flag (and the
	 * indirect calls' translation flag) through a hidden alias:
	 * PC-relative, so a loop's poll holds no register for the flag's
	 * address (KissFFT's butterfly loops spilled for it).
	 * Shared-object code (patches, -fPIC libraries) reads the exported
	 * symbol through the GOT.
	 */
	sb_puts(&o, "#if defined(__PIC__) && !defined(__PIE__)\n"
		    "#define __US_PENDING __upstare_pending\n"
		    "#define __US_XLATE __upstare_xlate_on\n"
		    "#else\n"
		    "extern volatile int __upstare_pending_exe "
		    "__attribute__((visibility(\"hidden\")));\n"
		    "extern volatile int __upstare_xlate_on_exe "
		    "__attribute__((visibility(\"hidden\")));\n"
		    "#define __US_PENDING __upstare_pending_exe\n"
		    "#define __US_XLATE __upstare_xlate_on_exe\n"
		    "#endif\n");
	qsort(t->regions, t->nregions, sizeof(*t->regions), region_cmp);
	for (unsigned i = 0; i < t->nregions; i++) {
		struct region *r = &t->regions[i];

		if (r->beg < pos)
			continue;
		copy_text(t, &o, pos, r->beg);
		sb_puts(&o, "\n");
		sb_puts(&o, r->text);
		emit_line(t, &o, r->end);
		pos = r->end;
	}
	copy_text(t, &o, pos, t->len);
	sb_puts(&o, "\n");
	emit_meta_section(t, &o);
	/*
	 * --records: the module's stack maps (every object's, renamed
	 * upstare_maps, linked together) known to the runtime while it is
	 * loaded; a patch's come with it instead (struct __upstare_patch).
	 */
	if (t->o->records && !t->o->register_all)
		sb_puts(&o, "extern const char __start_upstare_maps[] "
			    "__attribute__((weak, visibility(\"hidden\")));\n"
			    "extern const char __stop_upstare_maps[] "
			    "__attribute__((weak, visibility(\"hidden\")));\n"
			    "__attribute__((constructor)) static void __us_maps_on(void)\n"
			    "{ __upstare_rec_register(__start_upstare_maps, __stop_upstare_maps); }\n"
			    "__attribute__((destructor)) static void __us_maps_off(void)\n"
			    "{ __upstare_rec_unregister(__start_upstare_maps); }\n");
	fp = fopen(path, "w");
	if (!fp || fwrite(o.s, 1, o.len, fp) != o.len || fclose(fp)) {
		fprintf(stderr, "upstare-cc: %s: %s\n", path, strerror(errno));
		sb_free(&o);
		return 1;
	}
	sb_free(&o);
	return 0;
}

static int check_diagnostics(struct tu *t)
{
	unsigned n = clang_getNumDiagnostics(t->tu), errors = 0;

	for (unsigned i = 0; i < n; i++) {
		CXDiagnostic d = clang_getDiagnostic(t->tu, i);
		enum CXDiagnosticSeverity sev = clang_getDiagnosticSeverity(d);

		if (sev >= CXDiagnostic_Error) {
			CXString s = clang_formatDiagnostic(d, clang_defaultDiagnosticDisplayOptions());

			fprintf(stderr, "%s\n", clang_getCString(s));
			clang_disposeString(s);
			errors++;
		}
		clang_disposeDiagnostic(d);
	}
	return errors;
}

/*
 * UPSTARE_CC_BISECT=LO:HI (a debugging aid, see instrumentor.rst): only the
 * function definitions numbered LO to HI-1 in the unit are instrumented,
 * the others are left exactly as written, so a miscompiled function can be
 * found by bisection.  main is always instrumented.
 */
static bool bisect_keep(CXCursor fn)
{
	static unsigned lo, hi, seen;
	static int parsed;
	const char *e;
	char *name;
	bool keep;

	if (!parsed) {
		e = getenv("UPSTARE_CC_BISECT");
		parsed = e && sscanf(e, "%u:%u", &lo, &hi) == 2 ? 1 : -1;
		if (parsed > 0)
			fprintf(stderr, "upstare-cc: UPSTARE_CC_BISECT: instrumenting "
				"definitions %u to %u only\n", lo, hi);
	}
	if (parsed < 0)
		return false;
	name = cur_spelling(fn);
	keep = strcmp(name, "main") && (seen < lo || seen >= hi);
	seen++;
	free(name);
	return keep;
}

int instrument_file(const struct instr_opts *o)
{
	struct tu tu = { .o = o }, *t = &tu;
	struct callbacks cb = { 0 }, taken = { 0 };
	struct fninfo **fns = NULL;
	unsigned nfns = 0, i, ntop;
	CXCursor *top = NULL;
	enum CXErrorCode err;
	int ret = 1;

	t->buf = read_all(o->input, &t->len);
	if (!t->buf) {
		fprintf(stderr, "upstare-cc: %s: %s\n", o->input, strerror(errno));
		return 1;
	}
	t->index = clang_createIndex(0, 0);
	err = clang_parseTranslationUnit2(t->index, o->input, o->args, o->nargs, NULL, 0,
					  CXTranslationUnit_None, &t->tu);
	if (err != CXError_Success || !t->tu) {
		fprintf(stderr, "upstare-cc: %s: the parser failed (error %d)\n", o->srcname, err);
		goto out;
	}
	if (check_diagnostics(t))
		goto out;
	t->file = clang_getFile(t->tu, o->input);
	t->mangle = mangle_path(o->srcname);

	ntop = get_kids(clang_getTranslationUnitCursor(t->tu), &top);
	cb.t = t;
	clang_visitChildren(clang_getTranslationUnitCursor(t->tu), callback_visit, &cb);
	clang_visitChildren(clang_getTranslationUnitCursor(t->tu), addr_visit, &taken);

	for (i = 0; i < ntop; i++) {
		CXCursor c = top[i];
		enum CXCursorKind k = clang_getCursorKind(c);

		if (in_system_header(c))
			continue;
		if (k == CXCursor_VarDecl && clang_Cursor_getStorageClass(c) == CX_SC_Static) {
			export_static(t, c);
		} else if (k == CXCursor_FunctionDecl) {
			CXCursor *kids;
			unsigned n = get_kids(c, &kids), body_beg = cur_end(c);

			for (unsigned j = 0; j < n; j++)
				if (clang_getCursorKind(kids[j]) == CXCursor_CompoundStmt)
					body_beg = cur_beg(kids[j]);
			free(kids);
			drop_noreturn(t, c, body_beg);
			if (clang_isCursorDefinition(c) && !bisect_keep(c)) {
				bool taken_here = usr_in(&taken, c);
				const char *cbr = NULL;
				struct fninfo *fi;

				if (usr_in(&cb, c) || (taken_here && type_in(&cb, &taken, c)))
					cbr = "is a callback handed to library code";
				else if (cleanup_in(&cb, c))
					cbr = "is the cleanup function of a variable";
				fi = analyze_function(t, c, cbr);

				fi->addr_taken = taken_here;
				fns = xrealloc(fns, (nfns + 1) * sizeof(*fns));
				fns[nfns++] = fi;
				t->has_main |= fi->is_main;
			} else {
				char *name = cur_spelling(c);

				if (!strcmp(name, "main"))
					rename_add(t, c, "__upstare_user_main");
				free(name);
			}
		}
	}
	if (t->nerrors)
		goto out;
	apply_renames(t);
	clang_visitChildren(clang_getTranslationUnitCursor(t->tu), pthread_visit, t);
	park_analyze(t, fns, nfns);
	for (i = 0; i < nfns; i++)
		emit_function(t, fns[i]);
	if (t->nerrors)
		goto out;
	meta_globals(t);
	meta_record_types(t);
	if (t->has_main) {
		struct fninfo *m = NULL;

		for (i = 0; i < nfns; i++)
			if (fns[i]->is_main)
				m = fns[i];
		{
			int np = clang_Cursor_getNumArguments(m->cur);
			struct sb th = { 0 };

			sb_printf(&th, "\nint __upstare_main_thunk(int argc, char **argv, char **envp)\n"
				       "{\n\t(void)argc; (void)argv; (void)envp;\n\t%s__upstare_user_main(%s);%s\n}\n",
				  m->returns_void ? "" : "return ",
				  np <= 0 ? "" : np == 1 ? "argc" : np == 2 ? "argc, argv" :
				  "argc, argv, envp",
				  m->returns_void ? " return 0;" : "");
			add_region(t, t->len, t->len, th.s);
		}
	}
	ret = write_output(t, o->output);
out:
	free(top);
	if (t->tu)
		clang_disposeTranslationUnit(t->tu);
	clang_disposeIndex(t->index);
	return ret;
}
