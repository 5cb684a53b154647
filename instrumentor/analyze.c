// SPDX-License-Identifier: GPL-2.0
/*
 * The analysis pass over one function definition, run before any text is
 * generated: is it reconstructible, which locals must be renamed when they
 * are hoisted to function scope, which static locals become exported
 * globals, which locals have their address taken, which types it uses.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "function.h"

struct scan {
	struct tu *t;
	struct fninfo *fi;
	const char *unsupported;	/* first unsupported construct */
	CXCursor unsup_at;
	/* locals by name, to find duplicates; names of other entities used */
	char **local_names;
	CXCursor *local_decls;
	unsigned nlocals;
	char **other_names;
	unsigned nother;
	unsigned nstatic;
	CXCursor *types;		/* named types and enum constants declared inside */
	unsigned ntypes;
	/* "&x" expressions whose address is used at once (at_once()), by extent */
	unsigned (*at_once)[2];
	unsigned nat_once;
};

static bool str_in(char **v, unsigned n, const char *s)
{
	for (unsigned i = 0; i < n; i++)
		if (!strcmp(v[i], s))
			return true;
	return false;
}

static void str_push(char ***v, unsigned *n, const char *s)
{
	if (str_in(*v, *n, s))
		return;
	*v = xrealloc(*v, (*n + 1) * sizeof(char *));
	(*v)[(*n)++] = xstrdup(s);
}

static bool is_local_var(CXCursor c)
{
	enum CX_StorageClass sc;

	if (clang_getCursorKind(c) != CXCursor_VarDecl)
		return false;
	sc = clang_Cursor_getStorageClass(c);
	return clang_getCursorKind(clang_getCursorSemanticParent(c)) == CXCursor_FunctionDecl &&
	       sc != CX_SC_Static && sc != CX_SC_Extern;
}

static void note_type(struct fninfo *fi, CXType t)
{
	t = clang_getCanonicalType(t);
	while (t.kind == CXType_Pointer || t.kind == CXType_ConstantArray ||
	       t.kind == CXType_IncompleteArray || t.kind == CXType_VariableArray) {
		t = t.kind == CXType_Pointer ? clang_getPointeeType(t) : clang_getArrayElementType(t);
		t = clang_getCanonicalType(t);
	}
	if (t.kind == CXType_Record || t.kind == CXType_Enum) {
		CXType u = clang_Type_getNamedType(t).kind != CXType_Invalid ?
			   clang_Type_getNamedType(t) : t;
		char *s = type_spelling(u);

		if (!strstr(s, "(unnamed") && !strstr(s, "(anonymous")) {
			char *q = s;

			/* canonical spelling may carry qualifiers: "const struct x" */
			while (!strncmp(q, "const ", 6) || !strncmp(q, "volatile ", 9))
				q = strchr(q, ' ') + 1;
			str_push(&fi->types_used, &fi->ntypes, q);
		}
		free(s);
	}
}

/*
 * A pointer to a variable-length array: its size expressions are evaluated
 * where it is declared, so it cannot be hoisted to the function's start.
 */
static bool variably_modified(CXType t)
{
	for (;;) {
		t = clang_getCanonicalType(t);
		switch (t.kind) {
		case CXType_VariableArray:
			return true;
		case CXType_Pointer:
			t = clang_getPointeeType(t);
			break;
		case CXType_ConstantArray:
		case CXType_IncompleteArray:
			t = clang_getArrayElementType(t);
			break;
		default:
			return false;
		}
	}
}

/*
 * __attribute__((cleanup(fn))) runs fn when the variable's block ends;
 * hoisted to function scope it would run at the function's end instead.
 */
static bool has_cleanup(struct tu *t, CXCursor var)
{
	struct tok *v;
	unsigned n = tokens_in(t, cur_beg(var), cur_end(var), &v);
	bool r = false;

	for (unsigned i = 0; i + 1 < n && !r; i++)
		r = (!strcmp(v[i].s, "cleanup") || !strcmp(v[i].s, "__cleanup__")) &&
		    !strcmp(v[i + 1].s, "(");
	tokens_free(v, n);
	return r;
}

/*
 * Look through parentheses, implicit conversions and casts to pointer
 * types: the same address.
 */
static CXCursor strip_ptr_casts(CXCursor e)
{
	for (;;) {
		enum CXCursorKind k;
		CXCursor *kids, next = clang_getNullCursor();
		unsigned n;

		e = strip_implicit(e);
		k = clang_getCursorKind(e);
		if (k != CXCursor_CStyleCastExpr ||
		    clang_getCanonicalType(clang_getCursorType(e)).kind != CXType_Pointer)
			return e;
		/* a TypeRef may come before the operand */
		n = get_kids(e, &kids);
		if (n && is_expr(kids[n - 1]))
			next = kids[n - 1];
		free(kids);
		if (clang_Cursor_isNull(next))
			return e;
		e = next;
	}
}

static bool is_addr_of(CXCursor e)
{
	return clang_getCursorKind(e) == CXCursor_UnaryOperator &&
	       clang_getCursorUnaryOperatorKind(e) == CXUnaryOperator_AddrOf;
}

/*
 * The pointer that "*p", "p->f" or "p[i]" (or "i[p]") goes through, or a
 * null cursor for any other expression.
 */
static CXCursor deref_pointer(CXCursor d)
{
	enum CXCursorKind k = clang_getCursorKind(d);
	CXCursor *kids, p = clang_getNullCursor();
	unsigned n;

	if (k == CXCursor_UnaryOperator &&
	    clang_getCursorUnaryOperatorKind(d) != CXUnaryOperator_Deref)
		return p;
	if (k != CXCursor_UnaryOperator && k != CXCursor_MemberRefExpr &&
	    k != CXCursor_ArraySubscriptExpr)
		return p;
	n = get_kids(d, &kids);
	for (unsigned i = 0; i < n && i < 2 && clang_Cursor_isNull(p); i++) {
		if (k != CXCursor_ArraySubscriptExpr && i > 0)
			break;
		if (clang_getCanonicalType(clang_getCursorType(strip_implicit(kids[i]))).kind ==
		    CXType_Pointer)
			p = kids[i];
	}
	free(kids);
	return p;
}

/*
 * The address the operand of "&" designates belongs to a local (or a
 * parameter): record it, and, when kept is set, as an address that may be
 * held anywhere.  "&x.f", "&x[2]", and through a pointer that is itself
 * such an address, "&((struct s *)&x)->f" and "&*(int *)&x": these all
 * point into x.
 */
static void mark_addr_taken(struct scan *s, CXCursor op, bool kept)
{
	CXCursor *kids;
	unsigned n;

	for (;;) {
		enum CXCursorKind k;
		CXCursor p;

		op = strip_implicit(op);
		k = clang_getCursorKind(op);
		if (k == CXCursor_DeclRefExpr) {
			CXCursor ref = clang_getCursorReferenced(op);

			if (is_local_var(ref) || clang_getCursorKind(ref) == CXCursor_ParmDecl) {
				char *usr = cur_usr(ref);

				str_push(&s->fi->addr_any_usrs, &s->fi->naddr_any, usr);
				if (kept)
					str_push(&s->fi->addr_usrs, &s->fi->naddr, usr);
				free(usr);
			}
			return;
		}
		p = deref_pointer(op);
		if (!clang_Cursor_isNull(p)) {
			/*
			 * "&p->f", "&p[i]", "&*p" with p a pointer: the address
			 * of what p points to, not of p; a local's when p is
			 * the local's address, cast at most
			 */
			p = strip_ptr_casts(p);
			if (!is_addr_of(p))
				return;
			n = get_kids(p, &kids);
			op = n ? kids[0] : clang_getNullCursor();
			free(kids);
			if (!n)
				return;
			continue;
		}
		/* "x.f", "x[i]" with x an array: within x */
		if (k != CXCursor_MemberRefExpr && k != CXCursor_ArraySubscriptExpr)
			return;
		n = get_kids(op, &kids);
		if (!n) {
			free(kids);
			return;
		}
		op = kids[0];
		free(kids);
	}
}

/*
 * A local's address dereferenced at once, "*(T *)&x", "((T *)&x)->f" or
 * "((unsigned char *)&x)[i]", as programs write to reinterpret a value's
 * bytes (SQLite's "*(i64 *)&iKey"): the address is in no variable, no
 * structure, no call when the frame is saved, so the local needs no
 * address that survives a rebuild and stays in the native frame, where
 * the compiler keeps it in a register.  Unless the result is an array
 * (it decays to a pointer into the local) or its own address is taken:
 * mark_addr_taken() then follows "&*(T *)&x" to x.  So is the address
 * given to memcpy() and its kind, which keep no copy of it and return
 * before anything parks.
 */
static void note_at_once(struct scan *s, CXCursor addr)
{
	addr = strip_ptr_casts(addr);
	if (!is_addr_of(addr))
		return;
	s->at_once = xrealloc(s->at_once, (s->nat_once + 1) * sizeof(*s->at_once));
	s->at_once[s->nat_once][0] = cur_beg(addr);
	s->at_once[s->nat_once][1] = cur_end(addr);
	s->nat_once++;
}

static bool used_at_once(struct scan *s, CXCursor addr)
{
	for (unsigned i = 0; i < s->nat_once; i++)
		if (s->at_once[i][0] == cur_beg(addr) && s->at_once[i][1] == cur_end(addr))
			return true;
	return false;
}

static enum CXChildVisitResult call_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	(void)parent;
	if (clang_getCursorKind(c) == CXCursor_CallExpr || clang_getCursorKind(c) == CXCursor_StmtExpr) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/*
 * e calls: an operand evaluated before it is captured in a temporary
 * (emit_expr.c), which would hold the local's address across the call.
 */
static bool has_call(CXCursor e)
{
	bool r = clang_getCursorKind(e) == CXCursor_CallExpr ||
		 clang_getCursorKind(e) == CXCursor_StmtExpr;

	if (!r)
		clang_visitChildren(e, call_visit, &r);
	return r;
}

static void note_deref(struct scan *s, CXCursor d)
{
	CXCursor p = deref_pointer(d), *kids;
	unsigned n;
	bool calls = false;

	switch (clang_getCanonicalType(clang_getCursorType(d)).kind) {
	case CXType_ConstantArray: case CXType_IncompleteArray: case CXType_VariableArray:
	case CXType_DependentSizedArray: case CXType_FunctionProto: case CXType_FunctionNoProto:
		return;
	default:
		break;
	}
	if (clang_Cursor_isNull(p))
		return;
	/* "((char *)&x)[f()]": the address is captured before the call */
	if (clang_getCursorKind(d) == CXCursor_ArraySubscriptExpr) {
		n = get_kids(d, &kids);
		for (unsigned i = 0; i < n; i++)
			calls = calls || has_call(kids[i]);
		free(kids);
	}
	if (!calls)
		note_at_once(s, p);
}

static void unsupported(struct scan *s, CXCursor c, const char *what)
{
	if (!s->unsupported) {
		s->unsupported = what;
		s->unsup_at = c;
	}
}

/*
 * A local array decaying to a pointer (the implicit cast "decay" over
 * "ref") anywhere but as the base of a subscript, "a[i]": its address may
 * be kept anywhere (a call's argument, a pointer variable), so the array
 * needs an address that survives a rebuild (plan_shadow()).  An array only
 * ever subscripted stays in the native frame, where the compiler keeps it
 * in registers as in the plain build.
 */
static bool array_escapes(CXCursor decay, CXCursor parent, CXCursor ref)
{
	CXCursor *kids;
	unsigned n;
	bool base;

	if (clang_getCanonicalType(clang_getCursorType(decay)).kind != CXType_Pointer ||
	    clang_getCursorKind(ref) != CXCursor_DeclRefExpr ||
	    !is_local_var(clang_getCursorReferenced(ref)) ||
	    clang_getCanonicalType(clang_getCursorType(ref)).kind != CXType_ConstantArray)
		return false;
	if (clang_getCursorKind(parent) != CXCursor_ArraySubscriptExpr)
		return true;
	n = get_kids(parent, &kids);
	/* the same node: libclang's cursors for it need not compare equal */
	base = n && cur_beg(kids[0]) == cur_beg(decay) && cur_end(kids[0]) == cur_end(decay);
	free(kids);
	return !base;
}

/* Where parent puts the value of its child, the value is not kept. */
static bool value_unused(CXCursor parent)
{
	switch (clang_getCursorKind(parent)) {
	case CXCursor_CompoundStmt: case CXCursor_LabelStmt: case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt: case CXCursor_IfStmt: case CXCursor_WhileStmt:
	case CXCursor_DoStmt: case CXCursor_ForStmt:
		return true;	/* a statement, or a condition: compared, not kept */
	case CXCursor_CStyleCastExpr:
		return clang_getCanonicalType(clang_getCursorType(parent)).kind == CXType_Void;
	default:
		return false;
	}
}

/*
 * "memcpy(&x, &y, sizeof(x))": the addresses are used and forgotten
 * within the call, unless memcpy() returns one into a value that is kept,
 * or an argument calls: "memcpy(&x, f(), n)" captures "&x" before f().
 */
static void note_mem_call(struct scan *s, CXCursor call, CXCursor parent)
{
	int kind = mem_function(call), na = clang_Cursor_getNumArguments(call);
	bool calls = false;

	if (!kind)
		return;
	for (int a = 0; a < na; a++)
		calls = calls || has_call(clang_Cursor_getArgument(call, a));
	for (int a = 0; a < na && !calls; a++)
		if (a > 0 || kind == 1 || value_unused(parent))
			note_at_once(s, clang_Cursor_getArgument(call, a));
}

static enum CXChildVisitResult scan_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	struct scan *s = d;
	enum CXCursorKind k = clang_getCursorKind(c);
	struct fninfo *fi = s->fi;

	if (is_expr(c))
		note_type(fi, clang_getCursorType(c));
	if (is_block_type_decl(c)) {
		char *name = cur_spelling(c);
		unsigned off = loc_off(clang_getCursorLocation(c));
		struct tok *v;
		unsigned nt = tokens_in(s->t, off, off + 1, &v);
		/*
		 * Named where it is declared: an anonymous struct gets its
		 * typedef's name as spelling, but its location is "struct".
		 */
		bool named = nt && !strcmp(v[0].s, name);

		tokens_free(v, nt);
		if (named) {
			s->types = xrealloc(s->types, (s->ntypes + 1) * sizeof(CXCursor));
			s->types[s->ntypes++] = c;
		}
		free(name);
	}
	switch (k) {
	case CXCursor_VarDecl: {
		CXType ty = clang_getCursorType(c);
		char *name = cur_spelling(c);

		note_type(fi, ty);
		if (clang_getCanonicalType(ty).kind == CXType_VariableArray && !fi->nr_reason)
			fi->nr_reason = "has a variable-length array";
		if (is_local_var(c) && variably_modified(ty) && !fi->nr_reason)
			fi->nr_reason = "has a local of variably modified type (a pointer to a "
					"variable-length array)";
		if (is_local_var(c) && has_cleanup(s->t, c) && !fi->nr_reason)
			fi->nr_reason = "has a variable with __attribute__((cleanup))";
		if (is_local_var(c)) {
			s->local_names = xrealloc(s->local_names,
						  (s->nlocals + 1) * sizeof(char *));
			s->local_decls = xrealloc(s->local_decls,
						  (s->nlocals + 1) * sizeof(CXCursor));
			s->local_names[s->nlocals] = name;
			s->local_decls[s->nlocals++] = c;
			return CXChildVisit_Recurse;
		}
		free(name);
		break;
	}
	case CXCursor_DeclRefExpr:
	case CXCursor_TypeRef: {
		CXCursor ref = clang_getCursorReferenced(c);

		if (!is_local_var(ref) && clang_getCursorKind(ref) != CXCursor_ParmDecl) {
			char *name = cur_spelling(ref);

			str_push(&s->other_names, &s->nother, name);
			free(name);
		}
		break;
	}
	case CXCursor_CallExpr: {
		note_mem_call(s, c, parent);
		if (!fi->nr_reason)
			fi->nr_reason = call_nr_reason(c);
		break;
	}
	case CXCursor_UnaryOperator:
		if (clang_getCursorUnaryOperatorKind(c) == CXUnaryOperator_AddrOf) {
			CXCursor *kids;
			unsigned n = get_kids(c, &kids);

			/* the "*(T *)" around it was visited first */
			if (n)
				mark_addr_taken(s, kids[0], !used_at_once(s, c));
			free(kids);
		} else {
			note_deref(s, c);
		}
		break;
	case CXCursor_MemberRefExpr:
	case CXCursor_ArraySubscriptExpr:
		note_deref(s, c);
		break;
	case CXCursor_UnexposedExpr: {
		/*
		 * An array member decaying to a pointer ("s.buf + 1") takes
		 * the address of the structure holding it: a pointer kept
		 * across a call must be relocated with it.
		 */
		CXCursor *kids;
		unsigned n = get_kids(c, &kids);

		if (n == 1 && clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Pointer &&
		    clang_getCursorKind(kids[0]) == CXCursor_MemberRefExpr &&
		    clang_getCanonicalType(clang_getCursorType(kids[0])).kind ==
		    CXType_ConstantArray)
			mark_addr_taken(s, kids[0], true);
		else if (n == 1 && array_escapes(c, parent, kids[0]))
			mark_addr_taken(s, kids[0], true);
		free(kids);
		break;
	}
	case CXCursor_IndirectGotoStmt:
		unsupported(s, c, "computed goto");
		break;
	case CXCursor_AddrLabelExpr:
		unsupported(s, c, "address of a label (&&label)");
		break;
	default:
		break;
	}
	return CXChildVisit_Recurse;
}

/*
 * Block-scope types move to file scope (emit_stmt.c), so each gets a name
 * of its own there: __upstare_bt_<function>_<name>, with _<n> after a
 * second one of the same name in the function.  Enum constants and typedef names are
 * ordinary identifiers, tags have their own namespace; one counter covers
 * both, which only makes some suffixes larger than needed.
 */
static void plan_type_renames(struct tu *t, struct scan *s)
{
	char **seen = NULL;
	unsigned nseen = 0, i, k;
	struct sb b = { 0 };

	for (i = 0; i < s->ntypes; i++) {
		char *name = cur_spelling(s->types[i]);

		/* a tag declared again (struct s; ... struct s {...}) is one type */
		if (rename_lookup(t, s->types[i])) {
			free(name);
			continue;
		}
		k = 1;
		do {
			b.len = 0;
			sb_printf(&b, "__upstare_bt_%s_%s", s->fi->name, name);
			if (k > 1)
				sb_printf(&b, "_%u", k);
			k++;
		} while (str_in(seen, nseen, b.s));
		str_push(&seen, &nseen, b.s);
		rename_add(t, s->types[i], b.s);
		free(name);
	}
	sb_free(&b);
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

static char *mangled_static(struct tu *t, struct fninfo *fi, const char *name, unsigned n)
{
	struct sb b = { 0 };

	sb_printf(&b, "__upstare_sl_%s_%s_%s", t->mangle, fi->name, name);
	if (n)
		sb_printf(&b, "_%u", n);
	return b.s;
}

/* How many of v[0..n) are s. */
static unsigned str_count(char **v, unsigned n, const char *s)
{
	unsigned c = 0;

	for (unsigned i = 0; i < n; i++)
		c += !strcmp(v[i], s);
	return c;
}

/*
 * Rename locals that would collide once hoisted to function scope.  The
 * N-th local of a name (parameters first, then in source order) is the
 * metadata's "name#N" (the first is just "name") and is emitted as
 * name__usN; the first is renamed name__us1 only when it would hide
 * something else the function names.
 */
static void plan_renames(struct tu *t, struct scan *s, CXCursor fn)
{
	struct fninfo *fi = s->fi;
	char **seen = NULL;
	unsigned nseen = 0, nparams, i;
	CXCursor *kids;
	unsigned nk = get_kids(fn, &kids);

	for (i = 0; i < nk; i++)
		if (clang_getCursorKind(kids[i]) == CXCursor_ParmDecl) {
			char *n = cur_spelling(kids[i]);

			str_push(&seen, &nseen, n);
			free(n);
		}
	free(kids);
	nparams = nseen;
	for (i = 0; i < s->nlocals; i++) {
		const char *n = s->local_names[i];
		unsigned nth = 1 + str_in(seen, nparams, n) + str_count(s->local_names, i, n);

		if (nth > 1) {
			char *usr = cur_usr(s->local_decls[i]);

			fi->nth_usrs = xrealloc(fi->nth_usrs, (fi->nnth + 1) * sizeof(char *));
			fi->nth = xrealloc(fi->nth, (fi->nnth + 1) * sizeof(unsigned));
			fi->nth_usrs[fi->nnth] = usr;
			fi->nth[fi->nnth++] = nth;
		}
		if (str_in(seen, nseen, n) || str_in(s->other_names, s->nother, n) ||
		    !strcmp(n, fi->name)) {
			struct sb b = { 0 };
			unsigned k = nth;

			do {
				b.len = 0;
				sb_printf(&b, "%s__us%u", n, k++);
			} while (str_in(seen, nseen, b.s));
			rename_add(t, s->local_decls[i], b.s);
			str_push(&seen, &nseen, b.s);
			sb_free(&b);
		} else {
			str_push(&seen, &nseen, n);
		}
	}
	for (i = 0; i < nseen; i++)
		free(seen[i]);
	free(seen);
}

struct statics_scan {
	struct tu *t;
	struct fninfo *fi;
	char **names;
	unsigned n;
};

static enum CXChildVisitResult statics_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	struct statics_scan *ss = d;

	if (clang_getCursorKind(c) == CXCursor_VarDecl &&
	    clang_Cursor_getStorageClass(c) == CX_SC_Static) {
		char *name = cur_spelling(c), *m;
		unsigned k = 0;

		do {
			m = mangled_static(ss->t, ss->fi, name, k++);
			if (!str_in(ss->names, ss->n, m))
				break;
			free(m);
		} while (1);
		str_push(&ss->names, &ss->n, m);
		rename_add(ss->t, c, m);
		free(m);
		free(name);
	}
	return CXChildVisit_Recurse;
}

static bool header_has_token(struct tu *t, CXCursor fn, unsigned body_beg, const char *tok)
{
	struct tok *v;
	unsigned n = tokens_in(t, cur_beg(fn), body_beg, &v);
	bool found = false;

	for (unsigned i = 0; i < n && !found; i++)
		found = !strcmp(v[i].s, tok);
	tokens_free(v, n);
	return found;
}

/*
 * An old-style (K&R) definition, "int f(a) int a; { ... }": clang gives it
 * a prototyped type, so look at the tokens: its parameter declarations end
 * with ';' just before the body.
 */
static bool knr_definition(struct tu *t, CXCursor fn, unsigned body_beg)
{
	struct tok *v;
	unsigned n = tokens_in(t, cur_beg(fn), body_beg, &v);
	bool knr = n && !strcmp(v[n - 1].s, ";");

	tokens_free(v, n);
	return knr;
}

/*
 * A local whose address is taken (or an array, whose address is taken
 * wherever it decays), other than at once (note_at_once()), may have that
 * address stored anywhere: in a structure, a global, the heap, another
 * thread's data.  No relocation can find those copies, so such a local
 * must keep its address when its frame is unwound and rebuilt.  It lives
 * on the thread's side stack (userlib/frames.c), which unwinding does not
 * pop: the function holds a pointer to it, __us_sp_NAME, and every mention
 * of the local becomes (*__us_sp_NAME).  Written into the declarator, the
 * same replacement declares the pointer: "int x[4]" becomes "int
 * (*__us_sp_x)[4]".  emit.c allocates the locals at entry, keeps the
 * pointers in the frame record and releases the locals at each return.
 */
static void plan_shadow(struct tu *t, struct scan *s)
{
	struct fninfo *fi = s->fi;

	for (unsigned i = 0; i < s->nlocals; i++) {
		CXCursor v = s->local_decls[i];
		char *usr = cur_usr(v), *name;
		const char *prev;
		bool taken = str_in(fi->addr_usrs, fi->naddr, usr);
		struct sb b = { 0 };

		free(usr);
		if (!taken || clang_Cursor_getStorageClass(v) == CX_SC_Register)
			continue;
		prev = rename_lookup(t, v);
		name = prev ? xstrdup(prev) : cur_spelling(v);
		sb_printf(&b, "(*__us_sp_%s)", name);
		rename_set(t, v, b.s);
		fi->nshadow++;
		sb_free(&b);
		free(name);
	}
}

struct fninfo *analyze_function(struct tu *t, CXCursor fn, const char *callback)
{
	struct fninfo *fi = xrealloc(NULL, sizeof(*fi));
	struct scan s = { .t = t, .fi = fi };
	CXType ft = clang_getCursorType(fn);
	CXCursor *kids, body = clang_getNullCursor();
	unsigned nk, i;

	memset(fi, 0, sizeof(*fi));
	fi->cur = fn;
	fi->name = cur_spelling(fn);
	fi->is_main = !strcmp(fi->name, "main");
	fi->ename = xstrdup(fi->is_main ? "__upstare_user_main" : fi->name);
	fi->is_static = clang_Cursor_getStorageClass(fn) == CX_SC_Static;
	fi->returns_void = clang_getCanonicalType(clang_getResultType(ft)).kind == CXType_Void;

	nk = get_kids(fn, &kids);
	for (i = 0; i < nk; i++) {
		if (clang_getCursorKind(kids[i]) == CXCursor_CompoundStmt)
			body = kids[i];
	}
	free(kids);
	if (clang_Cursor_isNull(body)) {
		fi->skip = true;
		return fi;
	}
	fi->is_inline = !fi->is_static && header_has_token(t, fn, cur_beg(body), "inline");
	if (header_has_token(t, fn, cur_beg(body), "naked") ||
	    header_has_token(t, fn, cur_beg(body), "__naked__")) {
		fi->skip = true;
		return fi;
	}

	if (header_has_token(t, fn, cur_beg(body), "constructor") ||
	    header_has_token(t, fn, cur_beg(body), "destructor") ||
	    header_has_token(t, fn, cur_beg(body), "__constructor__") ||
	    header_has_token(t, fn, cur_beg(body), "__destructor__"))
		fi->nr_reason = "runs as a constructor or destructor";
	else if (ft.kind == CXType_FunctionProto && clang_isFunctionTypeVariadic(ft))
		fi->nr_reason = "is variadic";
	else if (clang_Cursor_getNumArguments(fn) > 0 && knr_definition(t, fn, cur_beg(body)))
		fi->nr_reason = "has an old-style (K&R) definition";
	else if (callback)
		fi->nr_reason = callback;

	clang_visitChildren(fn, scan_visit, &s);
	for (i = 0; i < (unsigned)clang_Cursor_getNumArguments(fn); i++)
		note_type(fi, clang_getCursorType(clang_Cursor_getArgument(fn, i)));

	if (s.unsupported) {
		if (!t->o->allow_unsupported) {
			diag(t, s.unsup_at, "error",
			     "unsupported construct in function '%s': %s "
			     "(--allow-unsupported compiles the function uninstrumented)",
			     fi->name, s.unsupported);
		} else {
			diag(t, s.unsup_at, "warning",
			     "function '%s' compiled uninstrumented (not updateable while active): %s",
			     fi->name, s.unsupported);
			fi->nr_reason = s.unsupported;
		}
	}
	if (!fi->nr_reason) {
		struct statics_scan ss = { .t = t, .fi = fi };

		plan_renames(t, &s, fn);
		plan_shadow(t, &s);
		plan_type_renames(t, &s);
		clang_visitChildren(body, statics_visit, &ss);
		for (i = 0; i < ss.n; i++)
			free(ss.names[i]);
		free(ss.names);
	}
	if (fi->is_main)
		rename_add(t, fn, fi->ename);

	for (i = 0; i < s.nlocals; i++)
		free(s.local_names[i]);
	free(s.local_names);
	free(s.local_decls);
	free(s.types);
	free(s.at_once);
	for (i = 0; i < s.nother; i++)
		free(s.other_names[i]);
	free(s.other_names);
	return fi;
}
