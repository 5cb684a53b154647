// SPDX-License-Identifier: GPL-2.0
/*
 * Statements, printed one by one.  Every local is hoisted to function
 * scope (its initializer stays in place as an assignment); static locals
 * and the types a function declares go to file scope when they can;
 * labels, breaks and continues are renamed where the loops around them
 * were rewritten.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

static void line_of(struct fctx *f, unsigned off)
{
	CXSourceLocation l = clang_getLocationForOffset(f->t->tu, f->t->file, off);
	unsigned line;

	clang_getPresumedLocation(l, NULL, &line, NULL);
	if (line != f->text.last_line) {
		emit_line(f->t, &f->text.body, off);
		f->text.last_line = line;
	}
}

/* Where a declaration's declarator starts: back from the name over "*", "(", qualifiers. */
static unsigned declarator_start(struct fctx *f, unsigned from, unsigned name)
{
	struct tok *v;
	unsigned n = tokens_in(f->t, from, name, &v);
	int i = (int)n - 1, first = -1;

	for (; i >= 0; i--) {
		const char *s = v[i].s;

		if (!strcmp(s, "*") || !strcmp(s, "("))
			first = i;
		else if (strcmp(s, "const") && strcmp(s, "volatile") && strcmp(s, "restrict") &&
			 strcmp(s, "__restrict") && strcmp(s, "__restrict__") &&
			 strcmp(s, "_Atomic"))
			break;
	}
	i = first >= 0 ? (int)v[first].beg : (int)name;
	tokens_free(v, n);
	return i;
}

static bool has_empty_brackets(const char *s)
{
	const char *p = strchr(s, '[');

	while (p) {
		const char *q = p + 1;

		while (*q == ' ' || *q == '\t' || *q == '\n')
			q++;
		if (*q == ']')
			return true;
		p = strchr(p + 1, '[');
	}
	return false;
}

const char *const local_skip[] = { "register", "auto", NULL };

static const char *const static_skip[] = { "static", NULL };

static void emit_init(struct fctx *f, CXCursor v, const char *name, CXCursor init)
{
	CXType t = clang_getCursorType(v);
	enum CXCursorKind ik = clang_getCursorKind(strip_implicit(init));
	bool is_const = clang_isConstQualifiedType(t) ||
			(clang_getCanonicalType(t).kind == CXType_ConstantArray &&
			 clang_isConstQualifiedType(clang_getArrayElementType(t)));
	char *r;

	lin(f, init);
	r = residual(f, init);
	if (clang_getCursorKind(init) == CXCursor_InitListExpr)
		out(f, "__builtin_memcpy((void *)&%s, &(__typeof_unqual__(%s))%s, sizeof(%s));\n",
		    name, name, r, name);
	else if (ik == CXCursor_StringLiteral &&
		 clang_getCanonicalType(t).kind == CXType_ConstantArray)
		out(f, "__builtin_memcpy((void *)&%s, &(__typeof_unqual__(%s)){%s}, sizeof(%s));\n",
		    name, name, r, name);
	else if (!is_const || is_record_type(t))
		emit_assign(f, name, r, t);
	else if (is_scalar_type(t))
		out(f, "*(__typeof_unqual__(%s) *)&%s = %s;\n", name, name, r);
	else
		out(f, "{ __typeof_unqual__(%s) __us_v = %s; "
		       "__builtin_memcpy((void *)&%s, &__us_v, sizeof(%s)); }\n",
		    name, r, name, name);
	free(r);
}

static char *emitted_name(struct fctx *f, CXCursor v)
{
	const char *n = rename_lookup(f->t, v);

	return n ? xstrdup(n) : cur_spelling(v);
}

/* Local v's key: its name, with "#N" for the N-th of that name (analyze.c). */
static char *local_key(struct fctx *f, CXCursor v, const char *orig)
{
	char *usr = cur_usr(v);
	struct sb b = { 0 };

	sb_puts(&b, orig);
	for (unsigned i = 0; i < f->fi->nnth; i++)
		if (!strcmp(f->fi->nth_usrs[i], usr))
			sb_printf(&b, "#%u", f->fi->nth[i]);
	free(usr);
	return b.s;
}

struct local_refs {
	bool found;
};

static enum CXChildVisitResult local_ref_visit(CXCursor c, CXCursor p, CXClientData d)
{
	CXCursor ref;
	enum CXCursorKind k;

	if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	ref = clang_getCursorReferenced(c);
	k = clang_getCursorKind(ref);
	if (k == CXCursor_ParmDecl ||
	    (k == CXCursor_VarDecl && clang_Cursor_getStorageClass(ref) != CX_SC_Static &&
	     clang_Cursor_getStorageClass(ref) != CX_SC_Extern &&
	     clang_getCursorKind(clang_getCursorSemanticParent(ref)) == CXCursor_FunctionDecl)) {
		((struct local_refs *)d)->found = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/* Does c mention a parameter or automatic local (in typeof, sizeof)? */
static bool refs_locals(CXCursor c)
{
	struct local_refs r = { false };

	clang_visitChildren(c, local_ref_visit, &r);
	return r.found;
}

/*
 * A type declared inside the function (renamed by analyze.c) that can move
 * to file scope, before the function: static locals that use it move there
 * too, and two blocks' types of one name no longer meet once the locals
 * are hoisted.  A type that mentions a local (typeof, sizeof) stays.
 */
struct renamed_scan {
	struct tu *t;
	bool found;
};

static enum CXChildVisitResult renamed_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct renamed_scan *r = d;

	if (is_block_type_decl(c) && rename_lookup(r->t, c)) {
		r->found = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

static bool movable_type(struct fctx *f, CXCursor c)
{
	struct renamed_scan r = { f->t, false };

	if (!is_block_type_decl(c))
		return false;
	renamed_visit(c, c, &r);
	if (!r.found)	/* an anonymous enum: its constants are renamed */
		clang_visitChildren(c, renamed_visit, &r);
	return r.found && !refs_locals(c);
}

/* Fill the outermost empty brackets of a declarator: "*v[]" -> "*v[3]". */
static char *fill_brackets(const char *decl, CXType t)
{
	const char *p = strchr(decl, '['), *q;
	struct sb b = { 0 };

	while (p) {
		for (q = p + 1; *q == ' ' || *q == '\t' || *q == '\n'; q++)
			;
		if (*q == ']')
			break;
		p = strchr(p + 1, '[');
	}
	if (!p)
		return xstrdup(decl);
	sb_put(&b, decl, p - decl);
	sb_printf(&b, "[%lld", clang_getArraySize(clang_getCanonicalType(t)));
	sb_puts(&b, q);
	return b.s;
}

/*
 * The locals of a declaration in a loop's copy (emit_loop.c), which the
 * first print declared: only their initializers are printed again.
 */
static void emit_inits_again(struct fctx *f, CXCursor *vars, unsigned nv)
{
	for (unsigned i = 0; i < nv; i++) {
		CXCursor init = clang_Cursor_getVarDeclInitializer(vars[i]);
		char *name;

		if (clang_Cursor_isNull(init))
			continue;
		name = emitted_name(f, vars[i]);
		emit_init(f, vars[i], name, init);
		free(name);
	}
}

static void emit_decl_stmt(struct fctx *f, CXCursor s)
{
	CXCursor *kids, vars[DECL_VARS_MAX];
	unsigned n = get_kids(s, &kids), nv, i, ndecl = 0;
	struct decl_kinds dk;
	bool auto_type = false;
	unsigned start, prev_end;
	struct sb d = { 0 };

	nv = decl_vars(kids, n, vars, &dk);
	if (dk.has_extern || dk.has_other) {
		/* prototypes, extern declarations: in place, as written */
		copy_text(f->t, &f->text.body, cur_beg(s), cur_end(s));
		sb_puts(&f->text.body, "\n");
		/*
		 * and before the static locals moved to file scope, whose
		 * initializers may name them ("static const struct { ... }
		 * ext[] = { { "csv", sqlite3_csv_init } };" after "extern int
		 * sqlite3_csv_init(...);", SQLite's test1.c)
		 */
		if (!f->nest.copy && dk.linkage_only) {
			copy_text(f->t, &f->text.statics, cur_beg(s), cur_end(s));
			sb_puts(&f->text.statics, "\n");
		}
		free(kids);
		return;
	}
	if (f->nest.copy) {
		if (!dk.has_static)
			emit_inits_again(f, vars, nv);
		free(kids);
		return;
	}
	if (!nv) {
		/* types: to file scope when they can go there, else hoisted */
		struct sb *to = &f->text.decls;

		for (i = 0; i < n; i++)
			if (movable_type(f, kids[i]))
				to = &f->text.statics;
		copy_text(f->t, to, cur_beg(s), cur_end(s));
		sb_puts(to, "\n");
		free(kids);
		return;
	}
	start = declarator_start(f, cur_beg(s), loc_off(clang_getCursorLocation(vars[0])));
	for (i = 0; i < n && !dk.has_static; i++) {
		enum CXCursorKind k = clang_getCursorKind(kids[i]);

		/* "struct s { ... } v;": the definition to file scope, "struct s v;" here */
		if ((k == CXCursor_StructDecl || k == CXCursor_UnionDecl ||
		     k == CXCursor_EnumDecl) && clang_isCursorDefinition(kids[i]) &&
		    cur_beg(kids[i]) >= cur_beg(s) && cur_end(kids[i]) <= start &&
		    movable_type(f, kids[i])) {
			unsigned kb = cur_beg(kids[i]), ke = cur_end(kids[i]);
			const char *tag = rename_lookup(f->t, kids[i]);
			char anon[256];

			if (!tag) {
				/*
				 * "enum { K } v;": moved for its renamed
				 * constants, it needs a tag for v's type
				 */
				struct tok *v;
				unsigned nt = tokens_in(f->t, kb, ke, &v);

				snprintf(anon, sizeof(anon), "__upstare_bt_%s_anon%u",
					 f->fi->name, ++f->text.nanon);
				tag = anon;
				copy_text(f->t, &f->text.statics, kb, nt ? v[0].end : kb);
				sb_printf(&f->text.statics, " %s ", tag);
				copy_text(f->t, &f->text.statics, nt ? v[0].end : kb, ke);
				tokens_free(v, nt);
			} else {
				copy_text(f->t, &f->text.statics, kb, ke);
			}
			sb_puts(&f->text.statics, ";\n");
			copy_skipping(f, &d, cur_beg(s), kb, local_skip);
			sb_printf(&d, "%s %s",
				  k == CXCursor_StructDecl ? "struct" :
				  k == CXCursor_UnionDecl ? "union" : "enum", tag);
			copy_skipping(f, &d, ke, start, local_skip);
			break;
		}
	}
	if (dk.has_static) {
		/* static locals become file-scope globals under their mangled names */
		copy_skipping(f, &f->text.statics, cur_beg(s), start, static_skip);
		sb_puts(&f->text.statics, " ");
		prev_end = start;
		for (i = 0; i < nv; i++) {
			unsigned b = i ? prev_end : start;

			if (i) {
				struct tok *v;
				unsigned nt = tokens_in(f->t, prev_end, cur_end(vars[i]), &v);

				b = nt > 1 ? v[1].beg : prev_end;	/* past the comma */
				tokens_free(v, nt);
				sb_puts(&f->text.statics, ", ");
			}
			copy_text(f->t, &f->text.statics, b, cur_end(vars[i]));
			prev_end = cur_end(vars[i]);
		}
		sb_puts(&f->text.statics, ";\n");
		free(kids);
		return;
	}
	/* locals: the declaration goes to function scope, initializers stay */
	{
		struct tok *tv;
		unsigned nt = tokens_in(f->t, cur_beg(s), start, &tv);

		for (i = 0; i < nt; i++)
			auto_type |= !strcmp(tv[i].s, "__auto_type");
		tokens_free(tv, nt);
	}
	if (!d.len)
		copy_skipping(f, &d, cur_beg(s), start, local_skip);
	sb_puts(&d, " ");
	prev_end = start;
	for (i = 0; i < nv; i++) {
		CXCursor v = vars[i], init = clang_Cursor_getVarDeclInitializer(v);
		unsigned b = start, e;
		char *name = emitted_name(f, v), *orig = cur_spelling(v);
		struct sb decl = { 0 };
		struct local *l;

		if (i) {
			struct tok *tv;
			unsigned nt = tokens_in(f->t, prev_end, cur_end(v), &tv);

			b = nt > 1 ? tv[1].beg : prev_end;
			tokens_free(tv, nt);
		}
		e = cur_end(v);
		if (!clang_Cursor_isNull(init)) {
			struct tok *tv;
			unsigned nt = tokens_in(f->t, loc_off(clang_getCursorLocation(v)),
						 cur_beg(init), &tv);

			for (unsigned j = 0; j < nt; j++)
				if (!strcmp(tv[j].s, "="))
					e = tv[j].beg;
			tokens_free(tv, nt);
		}
		copy_text(f->t, &decl, b, e);
		if (!auto_type && has_empty_brackets(decl.s ? decl.s : "") &&
		    type_has_block_decl(clang_getCursorType(v))) {
			char *filled = fill_brackets(decl.s, clang_getCursorType(v));

			sb_printf(&d, "%s%s", ndecl++ ? ", " : "", filled);
			free(filled);
		} else if (auto_type || has_empty_brackets(decl.s ? decl.s : "")) {
			/* the type comes from the initializer, which stays in place */
			char *ts = type_spelling(clang_getCursorType(v));

			sb_printf(&f->text.decls, "__typeof__(%s) %s;\n", ts, name);
			free(ts);
		} else {
			sb_printf(&d, "%s%s", ndecl++ ? ", " : "", decl.s);
		}
		l = add_local(f, name, orig, clang_getCursorType(v), "local");
		free(l->key);
		l->key = local_key(f, v, orig);
		l->decl = v;
		l->has_decl = true;
		/*
		 * An array that decays anywhere but as a subscript's base is
		 * address-taken (analyze.c), and on the side stack.  One only
		 * ever subscripted has no pointer into it at a continuation
		 * point (capture() evaluates "a[2]" again after a call): it
		 * needs no relocation, and no address of it escapes.  Nor
		 * does the address of a local only dereferenced at once,
		 * "*(T *)&x", or given to memcpy().
		 */
		l->addr_taken = addr_kept(f, v);
		if (!strncmp(name, "(*__us_sp_", 10)) {
			/* analyze.c's plan_shadow(): its address never changes */
			l->shadow = true;
			l->addr_taken = false;
			l->sp = xstrdup(name + 2);
			l->sp[strlen(l->sp) - 1] = 0;
			if (!f->frame.first_sp)
				f->frame.first_sp = l->sp;
		}
		if (!clang_Cursor_isNull(init))
			emit_init(f, v, name, init);
		sb_free(&decl);
		free(name);
		free(orig);
		prev_end = cur_end(v);
	}
	if (ndecl) {
		sb_puts(&f->text.decls, d.s);
		sb_puts(&f->text.decls, ";\n");
	}
	sb_free(&d);
	free(kids);
}

static enum CXChildVisitResult label_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct fctx *f = d;

	if (clang_getCursorKind(c) == CXCursor_LabelStmt) {
		f->label_names = xrealloc(f->label_names,
					  (f->nlabel_names + 1) * sizeof(char *));
		f->label_names[f->nlabel_names++] = cur_spelling(c);
	}
	return CXChildVisit_Recurse;
}

/*
 * A label's emitted name.  Local labels (__label__, in statement
 * expressions that macros expand more than once) share a name within the
 * function once the statement expressions are flattened: a name defined
 * more than once gets the label's offset as a suffix.
 */
static char *label_name(struct fctx *f, CXCursor label)
{
	char *name = cur_spelling(label);
	unsigned n = 0;
	struct sb b = { 0 };

	if (!f->label_names) {
		f->label_names = xrealloc(NULL, sizeof(char *));
		clang_visitChildren(f->fi->cur, label_visit, f);
	}
	for (unsigned i = 0; i < f->nlabel_names; i++)
		n += !strcmp(f->label_names[i], name);
	if (n < 2)
		return name;
	sb_printf(&b, "%s__us%u", name, cur_beg(label));
	free(name);
	return b.s;
}

/* "__label__ a, b;": the labels get unique names instead (label_name). */
static bool is_local_label_decl(struct fctx *f, CXCursor s)
{
	struct tok *v;
	unsigned n = tokens_in(f->t, cur_beg(s), cur_beg(s) + 1, &v);
	bool r = n && !strcmp(v[0].s, "__label__");

	tokens_free(v, n);
	return r;
}

static unsigned colon_after(struct fctx *f, unsigned from, unsigned limit)
{
	struct tok *v;
	unsigned n = tokens_in(f->t, from, limit, &v), r = limit;

	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i].s, ":")) {
			r = v[i].end;
			break;
		}
	tokens_free(v, n);
	return r;
}

static void emit_stmt_here(struct fctx *f, CXCursor s);

void emit_stmt(struct fctx *f, CXCursor s)
{
	unsigned beg = f->nest.stmt_beg;

	if (!f->nest.lin_depth)
		f->nest.stmt_beg = cur_beg(s);
	emit_stmt_here(f, s);
	f->nest.stmt_beg = beg;
}

/* Open a block scope inside the innermost one, unless too deep (then false). */
static bool scope_open(struct fctx *f)
{
	if (f->nest.nopen_scopes >= sizeof(f->nest.open_scopes) / sizeof(f->nest.open_scopes[0]))
		return false;
	if (f->nest.copy) {
		/* a loop's copy opens its first print's scopes again */
		f->nest.open_scopes[f->nest.nopen_scopes++] = ++f->frame.nscopes;
		return true;
	}
	f->frame.scope_parent = xrealloc(f->frame.scope_parent,
					 (f->frame.nscopes + 2) * sizeof(*f->frame.scope_parent));
	f->frame.scope_parent[++f->frame.nscopes] =
		f->nest.nopen_scopes ? f->nest.open_scopes[f->nest.nopen_scopes - 1] : 0;
	f->nest.open_scopes[f->nest.nopen_scopes++] = f->frame.nscopes;
	return true;
}

static void emit_stmt_here(struct fctx *f, CXCursor s)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	unsigned saved = f->text.nrepl, n, i;
	CXCursor *kids;
	char *r;

	line_of(f, cur_beg(s));
	if (!f->nest.lin_depth)
		f->nest.stmt_temp_base = f->frame.ntemps;	/* temporaries never outlive a statement */
	n = get_kids(s, &kids);
	switch (k) {
	case CXCursor_CompoundStmt: {
		/* the function's body is function scope, blocks in it are scopes */
		bool scope = f->nest.in_body && scope_open(f);

		f->nest.in_body = true;
		out(f, "{\n");
		for (i = 0; i < n; i++)
			emit_stmt(f, kids[i]);
		out(f, "}\n");
		if (scope)
			f->nest.nopen_scopes--;
		break;
	}
	case CXCursor_DeclStmt:
		if (!is_local_label_decl(f, s))
			emit_decl_stmt(f, s);
		break;
	case CXCursor_IfStmt:
		lin(f, kids[0]);
		r = residual(f, kids[0]);
		out(f, "if (%s) ", r);
		free(r);
		emit_braced(f, kids[1]);
		if (n > 2) {
			out(f, "else ");
			emit_braced(f, kids[2]);
		}
		break;
	case CXCursor_ForStmt: {
		/* "for (int i = 0; ...)": i's scope is the loop */
		bool scope = n && clang_getCursorKind(kids[0]) == CXCursor_DeclStmt &&
			     scope_open(f);

		emit_loop(f, s);
		if (scope)
			f->nest.nopen_scopes--;
		break;
	}
	case CXCursor_WhileStmt:
	case CXCursor_DoStmt:
		emit_loop(f, s);
		break;
	case CXCursor_SwitchStmt:
		lin(f, kids[0]);
		r = residual(f, kids[0]);
		out(f, "switch (%s) ", r);
		free(r);
		push_loop(f, NULL, NULL, true);
		emit_braced(f, kids[n - 1]);
		f->nest.nloops_open--;
		break;
	case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt: {
		unsigned from = n > 1 ? cur_end(kids[n - 2]) : cur_beg(s);

		copy_text(f->t, &f->text.body, cur_beg(s), colon_after(f, from, cur_beg(kids[n - 1])));
		out(f, " ;\n");
		emit_stmt(f, kids[n - 1]);
		break;
	}
	case CXCursor_LabelStmt: {
		char *name = label_name(f, s);

		out(f, "%s: ;\n", name);
		free(name);
		if (n)
			emit_stmt(f, kids[n - 1]);
		break;
	}
	case CXCursor_GotoStmt: {
		CXCursor target = clang_getCursorReferenced(s);
		char *name = label_name(f, target);

		if (planned_goto_polls(f, s)) {
			struct sb key = { 0 };
			char *orig = cur_spelling(target);

			sb_printf(&key, "goto:%s", orig);
			free(orig);
			emit_poll(f, key.s, cur_line(s), "goto", clang_getNullCursor(), false);
			sb_free(&key);
		}
		out(f, "goto %s;\n", name);
		free(name);
		break;
	}
	case CXCursor_BreakStmt:
		if (f->nest.nloops_open && f->nest.loops[f->nest.nloops_open - 1].brk)
			out(f, "goto %s;\n", f->nest.loops[f->nest.nloops_open - 1].brk);
		else
			out(f, "break;\n");
		break;
	case CXCursor_ContinueStmt: {
		int j = f->nest.nloops_open - 1;

		while (j >= 0 && f->nest.loops[j].is_switch)
			j--;
		if (j >= 0 && f->nest.loops[j].cont)
			out(f, "goto %s;\n", f->nest.loops[j].cont);
		else
			out(f, "continue;\n");
		break;
	}
	case CXCursor_ReturnStmt:
		if (!n) {
			out(f, f->fi->nshadow ? "{ __US_RELEASE; return; }\n" : "return;\n");
			break;
		}
		lin(f, kids[0]);
		r = residual(f, kids[0]);
		if (f->fi->nshadow && f->fi->returns_void) {
			/* "return g();" where g returns void: no value to keep */
			out(f, "{ %s; __US_RELEASE; return; }\n", r);
		} else if (f->fi->nshadow) {
			/* the value may read a side-stack local: read it first */
			struct sb b = { 0 };

			param_args(f->fi, &b);
			out(f, "{ __typeof_unqual__(%s(%s)) __us_r = (%s); __US_RELEASE; "
			       "return __us_r; }\n", f->fi->ename, b.s ? b.s : "", r);
			sb_free(&b);
		} else {
			out(f, "return %s;\n", r);
		}
		free(r);
		break;
	case CXCursor_NullStmt:
		out(f, ";\n");
		break;
	case CXCursor_GCCAsmStmt:
		/*
		 * Calls in operands are hoisted; the operands themselves are
		 * not captured, since an output operand is an lvalue the asm
		 * must write.
		 */
		for (i = 0; i < n; i++)
			if (is_expr(kids[i]))
				lin(f, kids[i]);
		r = residual(f, s);
		out(f, "%s;\n", r);
		free(r);
		break;
	default:
		if (is_expr(s)) {
			emit_expr_stmt(f, s);
			break;
		}
		if (work(f, s))
			diag(f->t, s, "error", "unsupported statement in instrumented function");
		copy_text(f->t, &f->text.body, cur_beg(s), cur_end(s));
		out(f, ";\n");
		break;
	}
	free(kids);
	repl_truncate(f, saved);
}
