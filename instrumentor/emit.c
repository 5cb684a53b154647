// SPDX-License-Identifier: GPL-2.0
/*
 * Normalization and instrumentation of one function definition.
 *
 * The body is emitted statement by statement.  Expressions that contain a
 * call which may enter instrumented code are linearized: each such call is
 * hoisted to a statement of its own ("t = f(a);") in evaluation order,
 * preserving the short-circuit and conditional semantics of &&, ||, ?: and
 * the comma operator, and the sequencing of loop conditions and increments.
 * Every local is hoisted to function scope.  Each hoisted call and each
 * update point is a continuation point with a numeric id and a stable key.
 *
 * The function gets an update check at entry, update points at loop heads,
 * an unwind check after each call, a cold save block that copies every
 * local into a frame record, and a cold restore at entry that copies a
 * record back and goes to its continuation point.  The restore never
 * jumps into a loop: it goes to the head of the outermost loop around the
 * point, whose update point's cold path goes on to the next loop's head,
 * and so on (the "hops"), so every loop keeps its one entry, the head, and
 * the compiler optimizes the loops as in the plain code.  One body, no
 * clone: the code is about as large as the plain code's.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "frame.h"
#include "live.h"

#define STRIP 1024	/* iterations of a call-free inner loop between polls */
#define CLONE_MAX 65536	/* bytes of generated code of a loop nest copied (clone_loop) */

struct loopctx {
	const char *brk;	/* label a break jumps to, or NULL for "break;" */
	const char *cont;	/* label a continue jumps to, or NULL */
	bool is_switch;
};

struct repl {
	unsigned beg, end;
	char *text;
};

/* What is open around the statement being emitted. */
struct nest {
	struct loopctx loops[512];
	int nloops_open;
	unsigned loop_depth;
	unsigned short_depth;	/* LOOP_SHORT loops open */
	unsigned stmt_temp_base;
	unsigned stmt_beg;	/* where the outermost statement being emitted starts */
	int lin_depth;
	/* block scopes: open ones innermost last */
	unsigned open_scopes[512];
	int nopen_scopes;
	bool in_body;
	bool cloning;		/* emitting a loop that will be copied (clone_loop) */
	/* loops whose heads the restore goes through: open ones, innermost last */
	unsigned hops_open[512];
	CXCursor hop_loops[512];	/* each one's loop; null: no update point at its head */
	int nhops_open;
};

/* The text being generated: the body, what goes before it, the replacements. */
struct text {
	struct sb body, decls, statics;
	struct repl *repl;
	unsigned nrepl, caprepl;
	unsigned nlabels, last_line;
	unsigned nanon;		/* tags given to anonymous enums moved to file scope */
	bool uses_k;
};

struct fctx {
	struct tu *t;
	struct fninfo *fi;
	struct frame frame;
	struct nest nest;
	struct text text;
	/* what is learned of the function once, when first needed */
	char **label_names;	/* every label defined in the function */
	unsigned nlabel_names;
	int has_back_goto;	/* -1: not known yet */
	/* memo of work() by extent and kind */
	struct memo {
		unsigned beg, end, kind;
		signed char val;
	} *memo;
	unsigned memo_cap, memo_used;
	struct live_refs *refs;	/* where the locals are referenced, once needed */
};

static void emit_stmt(struct fctx *f, CXCursor s);
static void param_args(struct fninfo *fi, struct sb *o);
static void lin(struct fctx *f, CXCursor e);
static bool work(struct fctx *f, CXCursor e);
static bool is_back_goto(CXCursor c);

static void out(struct fctx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void out(struct fctx *f, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s) {
		sb_puts(&f->text.body, s);
		free(s);
	}
}

/* Visit s itself, then, unless the visitor said otherwise, its descendants. */
static void visit_tree(CXCursor s, CXCursorVisitor visit, CXClientData d)
{
	if (visit(s, clang_getNullCursor(), d) == CXChildVisit_Recurse)
		clang_visitChildren(s, visit, d);
}

/* ------------------------------------------------------------ classification */

/* GNU "a ?: b": an UnexposedExpr whose first child is followed by "?" ":". */
static bool is_gnu_cond(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	struct tok *v;
	unsigned nt, i;
	bool r = false;

	if (n < 2)
		return false;
	nt = tokens_in(f->t, cur_end(kids[0]), cur_beg(kids[n - 1]), &v);
	for (i = 0; i + 1 < nt; i++)
		if (!strcmp(v[i].s, "?") && !strcmp(v[i + 1].s, ":"))
			r = true;
	tokens_free(v, nt);
	return r;
}

static bool first_token_at(struct fctx *f, CXCursor c, const char *s)
{
	struct tok *v;
	unsigned n = tokens_in(f->t, cur_beg(c), cur_beg(c) + 1, &v);
	bool r = n && !strcmp(v[0].s, s);

	tokens_free(v, n);
	return r;
}

/*
 * sizeof evaluates its operand only when it is not a constant: when the
 * operand is, or has, a variable-length array type (C11 6.5.3.4p2).
 * _Alignof, typeof and the other operators of UnaryExpr never do.
 */
static bool evaluated_unary(struct fctx *f, CXCursor e)
{
	CXEvalResult r;
	bool constant;

	if (!first_token_at(f, e, "sizeof"))
		return false;
	r = clang_Cursor_Evaluate(e);
	constant = r && clang_EvalResult_getKind(r) == CXEval_Int;
	if (r)
		clang_EvalResult_dispose(r);
	return !constant;
}

/*
 * __builtin_choose_expr(c, a, b): the constant c selects one operand, the
 * other is not evaluated.  Returns the index (1 or 2) of the selected
 * operand among kids, or 0 if e is something else.
 */
static unsigned chosen_operand(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	CXEvalResult r;
	unsigned sel = 0;

	if (n != 3 || clang_getCursorKind(e) != CXCursor_UnexposedExpr ||
	    !first_token_at(f, e, "__builtin_choose_expr"))
		return 0;
	r = clang_Cursor_Evaluate(kids[0]);
	if (r && clang_EvalResult_getKind(r) == CXEval_Int)
		sel = clang_EvalResult_getAsLongLong(r) ? 1 : 2;
	if (r)
		clang_EvalResult_dispose(r);
	return sel;
}

/* Children of e, each extent once (sizeof of a VLA type repeats them). */
static unsigned distinct_kids(CXCursor e, CXCursor **out)
{
	unsigned n = get_kids(e, out), m = 0;

	for (unsigned i = 0; i < n; i++) {
		bool dup = false;

		for (unsigned j = 0; j < m && !dup; j++)
			dup = cur_beg((*out)[j]) == cur_beg((*out)[i]) &&
			      cur_end((*out)[j]) == cur_end((*out)[i]);
		if (!dup)
			(*out)[m++] = (*out)[i];
	}
	return m;
}

/*
 * An argument passed to a transparent-union parameter (glibc's
 * __SOCKADDR_ARG under _GNU_SOURCE: accept, bind, getsockname...) is
 * wrapped by clang in an implicit compound literal of the union, with
 * the extent of the argument as written.  It is no object of the frame:
 * the operand it converts (*in) stands for it, and the call converts the
 * operand's value again, so a temporary takes the operand's type.
 */
static bool transparent_union_arg(CXCursor e, CXCursor *in)
{
	CXCursor *kids, *inits;
	unsigned n, ni;
	bool r = false;

	if (clang_getCursorKind(e) != CXCursor_CompoundLiteralExpr ||
	    clang_getCursorKind(clang_getTypeDeclaration(
		    clang_getCanonicalType(clang_getCursorType(e)))) != CXCursor_UnionDecl)
		return false;
	n = get_kids(e, &kids);
	/* the type name, if any, then the initializer list */
	if (n && clang_getCursorKind(kids[n - 1]) == CXCursor_InitListExpr &&
	    cur_beg(kids[n - 1]) == cur_beg(e)) {
		ni = get_kids(kids[n - 1], &inits);
		r = ni == 1 && cur_beg(inits[0]) == cur_beg(e) && cur_end(inits[0]) == cur_end(e);
		if (r)
			*in = inits[0];
		free(inits);
	}
	free(kids);
	return r;
}

static bool work_uncached(struct fctx *f, CXCursor e)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	CXCursor *kids, in;
	unsigned n, i;
	bool r = false;

	switch (k) {
	case CXCursor_UnaryExpr:		/* sizeof, _Alignof: unevaluated */
		if (!evaluated_unary(f, e))
			return false;
		break;
	case CXCursor_GenericSelectionExpr:
		/* the controlling expression is not evaluated */
		n = get_kids(e, &kids);
		for (i = 1; i < n && !r; i++)
			r = work(f, kids[i]);
		free(kids);
		return r;
	case CXCursor_TypeRef:
		return false;
	case CXCursor_CallExpr:
		if (hoistable(e))
			return true;
		if (unevaluated_builtin(e))
			return false;
		break;
	case CXCursor_UnexposedExpr:
		if (first_token_at(f, e, "__builtin_types_compatible_p"))
			return false;
		n = get_kids(e, &kids);
		i = chosen_operand(f, e, kids, n);
		r = i && work(f, kids[i]);
		free(kids);
		if (i)
			return r;
		break;
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_DoStmt:
		return true;	/* loops inside statement expressions get update points */
	case CXCursor_GotoStmt:
		return is_back_goto(e);	/* and so do backward gotos */
	case CXCursor_CompoundLiteralExpr:
		if (transparent_union_arg(e, &in))
			return work(f, in);
		return true;	/* becomes a named local, saved with the frame */
	case CXCursor_CStyleCastExpr:
		/* the type name's typeof() is not evaluated: only the operand */
		n = get_kids(e, &kids);
		r = n && work(f, kids[n - 1]);
		free(kids);
		return r;
	default:
		break;
	}
	n = get_kids(e, &kids);
	for (i = 0; i < n && !r; i++)
		r = work(f, kids[i]);
	free(kids);
	return r;
}

static void memo_grow(struct fctx *f)
{
	struct memo *old = f->memo;
	unsigned cap = f->memo_cap, i;

	f->memo_cap = cap ? cap * 2 : 4096;
	f->memo = calloc(f->memo_cap, sizeof(*f->memo));
	f->memo_used = 0;
	for (i = 0; i < cap; i++) {
		unsigned h;

		if (!old[i].val)
			continue;
		h = (old[i].beg * 2654435761u ^ old[i].end * 40503u ^ old[i].kind) &
		    (f->memo_cap - 1);
		while (f->memo[h].val)
			h = (h + 1) & (f->memo_cap - 1);
		f->memo[h] = old[i];
		f->memo_used++;
	}
	free(old);
}

/* Does evaluating e need linearization (a hoistable call, or a loop inside)? */
static bool work(struct fctx *f, CXCursor e)
{
	unsigned b = cur_beg(e), en = cur_end(e), k = clang_getCursorKind(e);
	unsigned i;
	bool r;

	if (2 * (f->memo_used + 1) > f->memo_cap)
		memo_grow(f);
	for (i = (b * 2654435761u ^ en * 40503u ^ k) & (f->memo_cap - 1); f->memo[i].val;
	     i = (i + 1) & (f->memo_cap - 1))
		if (f->memo[i].beg == b && f->memo[i].end == en && f->memo[i].kind == k)
			return f->memo[i].val > 0;
	r = work_uncached(f, e);
	if (2 * (f->memo_used + 1) > f->memo_cap)
		memo_grow(f);
	for (i = (b * 2654435761u ^ en * 40503u ^ k) & (f->memo_cap - 1); f->memo[i].val;
	     i = (i + 1) & (f->memo_cap - 1))
		;
	f->memo[i] = (struct memo){ b, en, k, r ? 1 : -1 };
	f->memo_used++;
	return r;
}

/* Any hoistable call (in evaluated position) or nested loop below c? */
struct find {
	struct fctx *f;
	bool call, loop;	/* a call that may enter instrumented code; a loop or goto */
	bool nest;		/* a loop */
	bool slow;		/* a call out of the program that may block or run long */
};

static enum CXChildVisitResult find_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct find *fd = d;
	enum CXCursorKind k = clang_getCursorKind(c);

	/* unevaluated operands: what work() skips is not hoisted */
	if ((k == CXCursor_UnaryExpr || k == CXCursor_UnexposedExpr ||
	     k == CXCursor_GenericSelectionExpr || (k == CXCursor_CallExpr && !hoistable(c))) &&
	    !work(fd->f, c))
		return CXChildVisit_Continue;
	if (k == CXCursor_CallExpr && hoistable(c))
		fd->call = true;
	if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt ||
	    k == CXCursor_GotoStmt)
		fd->loop = true;
	if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || (k == CXCursor_DoStmt && !runs_once(c)))
		fd->nest = true;
	return CXChildVisit_Recurse;
}

/* Any such call, evaluated or not (counting one too many costs only polls). */
static enum CXChildVisitResult slow_visit(CXCursor c, CXCursor p, CXClientData d)
{
	(void)p;
	if (clang_getCursorKind(c) == CXCursor_CallExpr && slow_call(c)) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

static bool is_scalar_type(CXType t)
{
	t = clang_getCanonicalType(t);
	switch (t.kind) {
	case CXType_Bool: case CXType_Char_U: case CXType_UChar: case CXType_Char16:
	case CXType_Char32: case CXType_UShort: case CXType_UInt: case CXType_ULong:
	case CXType_ULongLong: case CXType_UInt128: case CXType_Char_S: case CXType_SChar:
	case CXType_WChar: case CXType_Short: case CXType_Int: case CXType_Long:
	case CXType_LongLong: case CXType_Int128: case CXType_Float: case CXType_Double:
	case CXType_LongDouble: case CXType_Pointer: case CXType_Enum: case CXType_Float16:
	case CXType_Float128: case CXType_BFloat16:
		return true;
	default:
		return false;
	}
}

static bool usr_listed(char **usrs, unsigned n, CXCursor decl)
{
	char *usr = cur_usr(decl);
	bool r = false;

	for (unsigned i = 0; i < n && !r; i++)
		r = !strcmp(usrs[i], usr);
	free(usr);
	return r;
}

/*
 * The local's address appears in the function, even only dereferenced at
 * once ("*(T *)&x"): code may change it without naming it, so it is never
 * taken as unchanged or dead.
 */
static bool addr_taken(struct fctx *f, CXCursor decl)
{
	return usr_listed(f->fi->addr_any_usrs, f->fi->naddr_any, decl);
}

/*
 * Its address may be kept anywhere (analyze.c): on the side stack, or
 * relocated when it is a parameter.
 */
static bool addr_kept(struct fctx *f, CXCursor decl)
{
	return usr_listed(f->fi->addr_usrs, f->fi->naddr, decl);
}

/*
 * A local whose value cannot change between a continuation label and the
 * call after it: evaluating it again when the call is re-issued on rebuild
 * gives the same value.
 */
static bool is_stable_local(struct fctx *f, CXCursor e)
{
	CXCursor ref;
	CXType t;

	e = strip_implicit(e);
	if (clang_getCursorKind(e) != CXCursor_DeclRefExpr)
		return false;
	ref = clang_getCursorReferenced(e);
	if (clang_getCursorKind(ref) != CXCursor_VarDecl &&
	    clang_getCursorKind(ref) != CXCursor_ParmDecl)
		return false;
	if (clang_getCursorKind(ref) == CXCursor_VarDecl &&
	    (clang_Cursor_getStorageClass(ref) == CX_SC_Static ||
	     clang_Cursor_getStorageClass(ref) == CX_SC_Extern ||
	     clang_getCursorKind(clang_getCursorSemanticParent(ref)) != CXCursor_FunctionDecl))
		return false;
	t = clang_getCursorType(ref);
	if (clang_isVolatileQualifiedType(t) || !is_scalar_type(t))
		return false;
	return !addr_taken(f, ref);
}

/* -------------------------------------------------------------- replacements */

static void repl_add(struct fctx *f, unsigned beg, unsigned end, char *text)
{
	unsigned i, j = 0;

	for (i = 0; i < f->text.nrepl; i++) {
		if (f->text.repl[i].beg >= beg && f->text.repl[i].end <= end)
			free(f->text.repl[i].text);
		else
			f->text.repl[j++] = f->text.repl[i];
	}
	f->text.nrepl = j;
	if (f->text.nrepl == f->text.caprepl) {
		f->text.caprepl = f->text.caprepl ? f->text.caprepl * 2 : 32;
		f->text.repl = xrealloc(f->text.repl, f->text.caprepl * sizeof(*f->text.repl));
	}
	f->text.repl[f->text.nrepl++] = (struct repl){ beg, end, text };
}

static void repl_truncate(struct fctx *f, unsigned n)
{
	while (f->text.nrepl > n)
		free(f->text.repl[--f->text.nrepl].text);
}

/* The text of [beg, end) with the replacements inside it applied. */
static char *residual_range(struct fctx *f, unsigned beg, unsigned end)
{
	struct sb b = { 0 };
	unsigned pos = beg;

	for (;;) {
		struct repl *next = NULL;

		for (unsigned i = 0; i < f->text.nrepl; i++) {
			struct repl *r = &f->text.repl[i];

			if (r->beg >= pos && r->end <= end && r->beg < end &&
			    (!next || r->beg < next->beg))
				next = r;
		}
		if (!next)
			break;
		copy_text(f->t, &b, pos, next->beg);
		sb_puts(&b, next->text);
		pos = next->end > pos ? next->end : pos + 1;
		if (next->beg == next->end)
			break;
	}
	copy_text(f->t, &b, pos, end);
	if (!b.s)
		sb_puts(&b, "");
	return b.s;
}

static char *residual(struct fctx *f, CXCursor e)
{
	return residual_range(f, cur_beg(e), cur_end(e));
}

/* ---------------------------------------------------------------- locals */

static bool is_array_or_function(CXType t)
{
	switch (clang_getCanonicalType(t).kind) {
	case CXType_ConstantArray: case CXType_IncompleteArray: case CXType_VariableArray:
	case CXType_DependentSizedArray: case CXType_FunctionProto: case CXType_FunctionNoProto:
		return true;
	default:
		return false;
	}
}

/*
 * Parameters declared as arrays or functions are pointers, and so is the
 * value of an array or function expression.  libclang shows a parameter's
 * declared type (it looks through clang's DecayedType), and the implicit
 * conversion of such a parameter keeps that sugar, so the type it reports
 * can be "const int[]" or "int (int)" for what is really a pointer: every
 * parameter and temporary of array or function type is a pointer.
 */
static CXType adjusted(CXType t)
{
	CXType c = clang_getCanonicalType(t);

	return c.kind == CXType_Pointer && t.kind != CXType_Pointer ? c : t;
}

/* The spelling of the pointer an array or function type decays to. */
static char *decayed_spelling(CXType t)
{
	CXType c = clang_getCanonicalType(t);
	bool is_fn = c.kind == CXType_FunctionProto || c.kind == CXType_FunctionNoProto;
	char *s = type_spelling(is_fn ? t : clang_getArrayElementType(t)), *p;
	struct sb b = { 0 };

	p = is_fn ? strchr(s, '(') : strpbrk(s, "[(");
	if (p) {
		/* int (int) -> int (*)(int); const int[3] -> const int (*)[3] */
		sb_put(&b, s, p - s);
		if (b.len && b.s[b.len - 1] != ' ')
			sb_puts(&b, " ");
		sb_printf(&b, "(*)%s", p);
	} else {
		sb_printf(&b, s[strlen(s) - 1] == '*' ? "%s*" : "%s *", s);
	}
	free(s);
	return b.s;
}

static struct local *add_local(struct fctx *f, const char *name, const char *orig, CXType t,
			       const char *kind)
{
	bool decays = strcmp(kind, "local") && is_array_or_function(adjusted(t));
	struct local *l;

	t = adjusted(t);
	f->frame.locals = xrealloc(f->frame.locals, (f->frame.nlocals + 1) * sizeof(*f->frame.locals));
	l = &f->frame.locals[f->frame.nlocals++];
	memset(l, 0, sizeof(*l));
	l->name = xstrdup(name);
	l->orig = xstrdup(orig);
	l->key = xstrdup(orig);
	l->kind = kind;
	if (f->nest.nopen_scopes)
		l->scope = f->nest.open_scopes[f->nest.nopen_scopes - 1];
	if (decays) {
		l->type = decayed_spelling(t);
		l->desc = xstrdup("p");
		l->size = l->align = sizeof(void *);
		l->is_ptr = true;
		return l;
	}
	l->type = type_spelling(t);
	l->desc = type_desc(t);
	l->size = clang_Type_getSizeOf(t);
	l->align = clang_Type_getAlignOf(t);
	{
		CXType c = clang_getCanonicalType(t);

		while (c.kind == CXType_ConstantArray)
			c = clang_getCanonicalType(clang_getArrayElementType(c));
		l->is_ptr = c.kind == CXType_Pointer;	/* a pointer, or an array of them */
	}
	return l;
}

/* Spell a type so it can declare a temporary: __typeof_unqual__(T). */
static char *temp_type(struct fctx *f, CXCursor e)
{
	CXType t = adjusted(clang_getCursorType(e));
	char *s = type_spelling(t);
	struct sb b = { 0 };

	if (is_array_or_function(t)) {
		/* the conditional operator decays arrays and functions to pointers */
		sb_puts(&b, "__typeof__(1 ? (");
		copy_text(f->t, &b, cur_beg(e), cur_end(e));
		sb_puts(&b, ") : (");
		copy_text(f->t, &b, cur_beg(e), cur_end(e));
		sb_puts(&b, "))");
	} else if (strstr(s, "(unnamed") || strstr(s, "(anonymous") || type_has_block_decl(t)) {
		/* block-scope types are renamed: their spelling names nothing */
		sb_puts(&b, "__typeof_unqual__(");
		copy_text(f->t, &b, cur_beg(e), cur_end(e));
		sb_puts(&b, ")");
	} else {
		sb_printf(&b, "__typeof_unqual__(%s)", s);
	}
	free(s);
	return b.s;
}

static char *new_temp(struct fctx *f, CXCursor e)
{
	char name[32], *ty = temp_type(f, e);

	snprintf(name, sizeof(name), "__us_t%u", ++f->frame.ntemps);
	sb_printf(&f->text.decls, "%s %s;\n", ty, name);
	free(ty);
	add_local(f, name, name, clang_getCursorType(e), "temp")->temp = f->frame.ntemps;
	return xstrdup(name);
}

static bool is_record_type(CXType t)
{
	return clang_getCanonicalType(t).kind == CXType_Record;
}

/*
 * "name = (rhs);".  Structures are copied through an initialized temporary,
 * since a structure with a const member cannot be assigned.  rhs is in
 * parentheses: the middle operand of ?: may be a comma expression
 * ("c ? (*p = v), 1 : f(p)", sqlite's putVarint32).
 */
static void emit_assign(struct fctx *f, const char *name, const char *rhs, CXType t)
{
	if (is_record_type(t))
		out(f, "{ __typeof_unqual__(%s) __us_v = (%s); "
		       "__builtin_memcpy((void *)&%s, &__us_v, sizeof(%s)); }\n",
		    name, rhs, name, name);
	else
		out(f, "%s = (%s);\n", name, rhs);
}

/* Capture the value of e now, into a temporary, unless it cannot change. */
/*
 * An array inside an object of this frame (or a global), reached by "."
 * and constant subscripts only: "s.name", "mk().buf", "a[2].tag".  Its
 * address cannot change before a later call, except by the frame being
 * rebuilt elsewhere; evaluated again after the call it follows the frame,
 * where a pointer captured before the call would be left pointing into
 * the old one.
 */
static bool is_frame_array(CXCursor e)
{
	e = strip_implicit(e);
	if (clang_getCanonicalType(clang_getCursorType(e)).kind != CXType_ConstantArray)
		return false;
	for (;;) {
		enum CXCursorKind k = clang_getCursorKind(e);
		CXCursor *kids;
		unsigned n;
		bool ok;

		if (k == CXCursor_DeclRefExpr) {
			enum CXCursorKind rk = clang_getCursorKind(clang_getCursorReferenced(e));

			return rk == CXCursor_VarDecl || rk == CXCursor_ParmDecl;
		}
		if (k == CXCursor_CallExpr)
			return hoistable(e);	/* hoisted into a temporary */
		if (k == CXCursor_CompoundLiteralExpr)
			return true;		/* made a local */
		if (k != CXCursor_MemberRefExpr && k != CXCursor_ArraySubscriptExpr)
			return false;
		n = get_kids(e, &kids);
		ok = n >= 1 && n <= 2 &&
		     clang_getCanonicalType(clang_getCursorType(strip_implicit(kids[0]))).kind !=
		     CXType_Pointer &&
		     (k == CXCursor_MemberRefExpr || (n == 2 && is_const_expr(kids[1])));
		if (ok)
			e = strip_implicit(kids[0]);
		free(kids);
		if (!ok)
			return false;
	}
}

/* "a + i", "i + a", "a - i": a frame array offset by a value that cannot change. */
static bool is_frame_offset(struct fctx *f, CXCursor e)
{
	CXCursor *kids;
	unsigned n;
	bool r = false;

	e = strip_implicit(e);
	if (clang_getCursorKind(e) != CXCursor_BinaryOperator)
		return false;
	switch (clang_getCursorBinaryOperatorKind(e)) {
	case CXBinaryOperator_Add:
	case CXBinaryOperator_Sub:
		break;
	default:
		return false;
	}
	n = get_kids(e, &kids);
	if (n == 2)
		r = (is_frame_array(kids[0]) &&
		     (is_const_expr(kids[1]) || is_stable_local(f, kids[1]))) ||
		    (clang_getCursorBinaryOperatorKind(e) == CXBinaryOperator_Add &&
		     is_frame_array(kids[1]) &&
		     (is_const_expr(kids[0]) || is_stable_local(f, kids[0])));
	free(kids);
	return r;
}

static void capture(struct fctx *f, CXCursor e)
{
	char *name, *res;

	transparent_union_arg(e, &e);
	if (is_const_expr(e) || is_stable_local(f, e) || is_frame_array(e) ||
	    is_frame_offset(f, e) ||
	    clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Void)
		return;
	name = new_temp(f, e);
	res = residual(f, e);
	emit_assign(f, name, res, clang_getCursorType(e));
	free(res);
	repl_add(f, cur_beg(e), cur_end(e), name);
}

/* -------------------------------------------------------- continuation points */

static unsigned new_cp(struct fctx *f, const char *key_base, unsigned line, const char *kind)
{
	struct sb key = { 0 };
	unsigned i;

	for (i = 0; i < f->frame.nkc; i++)
		if (!strcmp(f->frame.kc[i].key, key_base))
			break;
	if (i == f->frame.nkc) {
		f->frame.kc = xrealloc(f->frame.kc, (f->frame.nkc + 1) * sizeof(*f->frame.kc));
		f->frame.kc[f->frame.nkc++] = (struct keycnt){ xstrdup(key_base), 0 };
	}
	if (!strcmp(kind, "entry"))
		sb_puts(&key, "entry");
	else
		sb_printf(&key, "%s#%u", key_base, ++f->frame.kc[i].n);
	f->frame.cps = xrealloc(f->frame.cps, (f->frame.ncps + 1) * sizeof(*f->frame.cps));
	f->frame.cps[f->frame.ncps] = (struct cp){ key.s, line, kind, f->nest.stmt_temp_base, f->frame.ntemps,
				       f->nest.nopen_scopes ? f->nest.open_scopes[f->nest.nopen_scopes - 1] : 0,
				       NULL, 0, NULL, 0, false, 0 };
	if (f->nest.nhops_open) {
		struct cp *c = &f->frame.cps[f->frame.ncps];

		c->nchain = f->nest.nhops_open;
		c->chain = xrealloc(NULL, c->nchain * sizeof(*c->chain));
		memcpy(c->chain, f->nest.hops_open, c->nchain * sizeof(*c->chain));
	}
	return f->frame.ncps++;
}

/*
 * Start saving the frame at continuation point id: allocate the record,
 * save the temporaries live here, then the shared save block saves the
 * function's locals.  Keeping temporaries out of the shared block keeps
 * them dead outside their statement, as in the plain code.
 */
static void emit_unwind(struct fctx *f, unsigned id)
{
	struct cp *c = &f->frame.cps[id];

	out(f, "{ ");
	for (unsigned t = c->tlo + 1; t <= c->thi; t++)
		out(f, "__builtin_memcpy(__us_fr + __US_OFF_%u, &__us_t%u, sizeof(__us_t%u)); ",
		    t, t, t);
	if (c->ndead)
		out(f, "goto __us_save_p%u; }\n", id);
	else if (f->nest.nopen_scopes)
		out(f, "goto __us_save_s%u; }\n", f->nest.open_scopes[f->nest.nopen_scopes - 1]);
	else
		out(f, "goto __us_save; }\n");
}

/* Where the function references its locals (live.c), walked once. */
static struct live_refs *function_refs(struct fctx *f)
{
	if (!f->refs)
		f->refs = live_refs_new(f->fi->cur);
	return f->refs;
}

/*
 * The locals dead at the update point at the head of the loop with this
 * body: declared before the loop (so saved there), not address-taken, and
 * live.c finds every read of them in an iteration preceded by a write.
 */
static void dead_at_loop_head(struct fctx *f, struct cp *c, CXCursor body)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];
		unsigned lo, hi;

		if (l->temp || !l->has_decl || strcmp(l->kind, "local") ||
		    addr_taken(f, l->decl))
			continue;
		live_refs_range(function_refs(f), l->decl, &lo, &hi);
		if (!live_dead_at_loop_head(body, l->decl, lo, hi))
			continue;
		c->dead = xrealloc(c->dead, (c->ndead + 1) * sizeof(*c->dead));
		c->dead[c->ndead++] = i;
	}
}

/*
 * A loop the restore may go through: its head is the label __us_h<N>,
 * where __US_HOP_<f>_<N> (defined once the body is emitted, see
 * emit_hops()) sends a frame being rebuilt on to its continuation point
 * or to the next loop's head.  Returns N.
 */
static unsigned push_hop(struct fctx *f)
{
	if (f->nest.nhops_open == (int)(sizeof(f->nest.hops_open) / sizeof(f->nest.hops_open[0]))) {
		diag(f->t, f->fi->cur, "error", "loops nested too deeply");
		return 0;
	}
	f->nest.hop_loops[f->nest.nhops_open] = clang_getNullCursor();
	f->nest.hops_open[f->nest.nhops_open++] = ++f->frame.nhops;
	return f->frame.nhops;
}

/*
 * An update point: poll, and save the frame if the thread must unwind.
 * body: the body of the loop whose update point this is (the innermost
 * open hop loop), or a null cursor for an update point at a backward goto.
 * head: the point is the loop's head (else its latch, or a goto).
 */
static void emit_poll(struct fctx *f, const char *key, unsigned line, const char *kind,
		      CXCursor body, bool head)
{
	unsigned id = new_cp(f, key, line, kind);

	if (!clang_Cursor_isNull(body))
		dead_at_loop_head(f, &f->frame.cps[id], body);
	if (head) {
		unsigned h = f->nest.hops_open[f->nest.nhops_open - 1];

		/* the loop's head: hops, then __upstare_poll_save, in the cold path */
		out(f, "__us_h%u: if (__builtin_expect(__US_PENDING, 0)) { __US_HOP_%s_%u "
		       "if ((__us_fr = (char *)__upstare_poll_save(&__us_fd_%s, %u))) ", h,
		    f->fi->ename, h, f->fi->ename, id);
		emit_unwind(f, id);
		out(f, "}\n__us_l%u: ;\n", id);
		return;
	}
	/* __upstare_poll_save returns the new frame record when unwinding */
	out(f, "if (__builtin_expect(__US_PENDING, 0) && "
	       "(__us_fr = (char *)__upstare_poll_save(&__us_fd_%s, %u))) ", f->fi->ename, id);
	emit_unwind(f, id);
	out(f, "__us_l%u: ;\n", id);
}

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

/* --------------------------------------------------------------- expressions */

static char *callee_key(struct fctx *f, CXCursor call, CXCursor callee)
{
	struct sb b = { 0 };

	if (is_direct_call(call)) {
		char *n = cur_spelling(call_target(call));

		sb_puts(&b, n);
		free(n);
	} else {
		struct sb t = { 0 };

		copy_text(f->t, &t, cur_beg(callee), cur_end(callee));
		sb_puts(&b, "*");
		for (char *p = t.s; p && *p; p++)
			if (*p != ' ' && *p != '\t' && *p != '\n' && *p != '(' && *p != ')' &&
			    *p != '*')
				sb_put(&b, p, 1);
		sb_free(&t);
	}
	return b.s;
}

/* A goto that may jump back in the source: to an earlier label, or computed. */
static bool is_back_goto(CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	CXCursor target;

	if (k == CXCursor_IndirectGotoStmt)
		return true;
	if (k != CXCursor_GotoStmt)
		return false;
	target = clang_getCursorReferenced(c);
	return clang_Cursor_isNull(target) || cur_beg(target) < cur_beg(c);
}

static enum CXChildVisitResult back_goto_visit(CXCursor c, CXCursor p, CXClientData d)
{
	(void)p;
	if (is_back_goto(c)) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/*
 * The locals dead after the call at point c, which need not be saved
 * there: outside every loop of a function without backward or computed
 * gotos, control only moves forward in the source, so a local that the
 * function references nowhere from the start of the statement of the call
 * on is never read again (a rebuild evaluates the call's arguments again:
 * they are in the statement).  Address-taken locals stay live.
 */
static void dead_after_call(struct fctx *f, struct cp *c)
{
	for (int j = 0; j < f->nest.nloops_open; j++)
		if (!f->nest.loops[j].is_switch)
			return;
	if (f->has_back_goto < 0) {
		bool found = false;

		clang_visitChildren(f->fi->cur, back_goto_visit, &found);
		f->has_back_goto = found;
	}
	if (f->has_back_goto)
		return;
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];
		unsigned lo, hi;

		if (l->temp || !l->has_decl || addr_taken(f, l->decl))
			continue;
		live_refs_range(function_refs(f), l->decl, &lo, &hi);
		if (lo <= hi && hi >= f->nest.stmt_beg)
			continue;
		c->dead = xrealloc(c->dead, (c->ndead + 1) * sizeof(*c->dead));
		c->dead[c->ndead++] = i;
	}
}

/* Hoist a call to a statement of its own, with its continuation point. */
static void emit_call(struct fctx *f, CXCursor call, bool discard)
{
	CXCursor *kids;
	unsigned n = get_kids(call, &kids), i, id = 0;
	bool direct = is_direct_call(call), quiet;
	bool is_void = clang_getCanonicalType(clang_getCursorType(call)).kind == CXType_Void;
	char *key, *callee, *tmp = NULL;
	struct sb c = { 0 };

	if (!direct) {
		lin(f, kids[0]);
		capture(f, kids[0]);
	}
	for (i = 1; i < n; i++) {
		lin(f, kids[i]);
		capture(f, kids[i]);
	}
	/* a quiet callee never unwinds: no continuation point after it */
	quiet = direct && park_callee_is_quiet(f->t, call);
	if (!quiet) {
		key = callee_key(f, call, kids[0]);
		id = new_cp(f, key, cur_line(call), "call");
		free(key);
		dead_after_call(f, &f->frame.cps[id]);
	}
	callee = residual(f, kids[0]);
	if (direct)
		sb_puts(&c, callee);
	else
		sb_printf(&c, "(__builtin_expect(__upstare_xlate_on, 0) ? "
			      "(__typeof__(%s))__upstare_xlate((void *)(%s)) : (%s))",
			  callee, callee, callee);
	free(callee);
	sb_puts(&c, "(");
	for (i = 1; i < n; i++) {
		char *a = residual(f, kids[i]);

		sb_printf(&c, "%s%s", i > 1 ? ", " : "", a);
		free(a);
	}
	sb_puts(&c, ")");
	if (!discard && !is_void)
		tmp = new_temp(f, call);
	if (!quiet)
		out(f, "__us_l%u: ", id);
	if (tmp)
		emit_assign(f, tmp, c.s, clang_getCursorType(call));
	else
		out(f, "%s;\n", c.s);
	if (!quiet) {
		out(f, "if (__builtin_expect(__US_PENDING, 0) && (__us_fr = (char *)"
		       "__upstare_unwind_at(&__us_fd_%s, %u))) ", f->fi->ename, id);
		emit_unwind(f, id);
	}
	sb_free(&c);
	free(kids);
	if (!discard)
		repl_add(f, cur_beg(call), cur_end(call), tmp ? tmp : xstrdup("((void)0)"));
}

/* Operands evaluated left to right, each captured before a later one's calls. */
static void lin_ordered(struct fctx *f, CXCursor *kids, unsigned n)
{
	int last = -1;

	for (unsigned i = 0; i < n; i++)
		if (is_expr(kids[i]) && work(f, kids[i]))
			last = i;
	for (int i = 0; i < (int)n; i++) {
		if (!is_expr(kids[i]))
			continue;
		lin(f, kids[i]);
		if (i < last)
			capture(f, kids[i]);
	}
}

static void lin_logical(struct fctx *f, CXCursor e, CXCursor l, CXCursor r, bool and)
{
	char *t, *rl, *rr;

	lin(f, l);
	if (!work(f, r))
		return;
	t = new_temp(f, e);
	rl = residual(f, l);
	if (and)
		out(f, "if (%s) {\n", rl);
	else
		out(f, "if (%s) %s = 1; else {\n", rl, t);
	lin(f, r);
	rr = residual(f, r);
	out(f, "%s = (%s) != 0;\n", t, rr);
	if (and)
		out(f, "} else %s = 0;\n", t);
	else
		out(f, "}\n");
	free(rl);
	free(rr);
	repl_add(f, cur_beg(e), cur_end(e), t);
}

static void lin_branch(struct fctx *f, CXCursor x, const char *t, CXType ty)
{
	char *r;

	lin(f, x);
	r = residual(f, x);
	if (t)
		emit_assign(f, t, r, ty);
	else
		out(f, "%s;\n", r);
	free(r);
}

static void lin_cond(struct fctx *f, CXCursor e, CXCursor c, CXCursor a, CXCursor b)
{
	bool is_void = clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Void;
	char *t = NULL, *rc;

	lin(f, c);
	if (!work(f, a) && !work(f, b))
		return;
	if (!is_void)
		t = new_temp(f, e);
	rc = residual(f, c);
	out(f, "if (%s) {\n", rc);
	free(rc);
	lin_branch(f, a, t, clang_getCursorType(e));
	out(f, "} else {\n");
	lin_branch(f, b, t, clang_getCursorType(e));
	out(f, "}\n");
	repl_add(f, cur_beg(e), cur_end(e), t ? t : xstrdup("((void)0)"));
}

/* GNU "a ?: b": a is evaluated once. */
static void lin_gnu_cond(struct fctx *f, CXCursor e, CXCursor a, CXCursor b)
{
	char *t, *ra, *ta;

	lin(f, a);
	if (!work(f, b))
		return;
	t = new_temp(f, e);
	ta = new_temp(f, a);
	ra = residual(f, a);
	out(f, "%s = %s;\nif (%s) %s = %s; else {\n", ta, ra, ta, t, ta);
	free(ra);
	lin_branch(f, b, t, clang_getCursorType(e));
	out(f, "}\n");
	free(ta);
	repl_add(f, cur_beg(e), cur_end(e), t);
}

static void lin_stmt_expr(struct fctx *f, CXCursor e)
{
	CXCursor *kids, *stmts;
	unsigned n = get_kids(e, &kids), ns, i;
	bool is_void = clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Void;

	if (n != 1 || clang_getCursorKind(kids[0]) != CXCursor_CompoundStmt) {
		diag(f->t, e, "error", "unexpected statement expression");
		free(kids);
		return;
	}
	ns = get_kids(kids[0], &stmts);
	for (i = 0; i + 1 < ns; i++)
		emit_stmt(f, stmts[i]);
	if (ns && is_expr(stmts[ns - 1]) && !is_void) {
		char *r;

		lin(f, stmts[ns - 1]);
		r = residual(f, stmts[ns - 1]);
		repl_add(f, cur_beg(e), cur_end(e), r);
		/* keep the value's parentheses: the replacement is an operand */
		{
			struct sb b = { 0 };

			sb_printf(&b, "(%s)", r);
			f->text.repl[f->text.nrepl - 1].text = b.s;
			free(r);
		}
	} else {
		if (ns)
			emit_stmt(f, stmts[ns - 1]);
		repl_add(f, cur_beg(e), cur_end(e), xstrdup("((void)0)"));
	}
	free(stmts);
	free(kids);
}

/*
 * A compound literal is an unnamed object of the enclosing frame, and a
 * pointer to it may be live across a call.  It becomes a local of its
 * own, initialized where the literal was evaluated, so the frame record
 * saves it and pointers to it are relocated when the frame is rebuilt.
 */
static void lin_compound_literal(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	char name[32], *r;
	struct local *l;
	struct sb ty = { 0 };

	if (n && is_expr(kids[n - 1]))	/* the initializer list, after the type name */
		lin(f, kids[n - 1]);
	snprintf(name, sizeof(name), "__us_cl%u", ++f->frame.ncls);
	sb_puts(&ty, "__typeof__(");
	copy_text(f->t, &ty, cur_beg(e), cur_end(e));
	sb_printf(&ty, ") %s;\n", name);
	sb_puts(&f->text.decls, ty.s);
	sb_free(&ty);
	l = add_local(f, name, name, clang_getCursorType(e), "local");
	l->addr_taken = true;
	r = residual(f, e);
	out(f, "__builtin_memcpy((void *)&%s, &%s, sizeof(%s));\n", name, r, name);
	free(r);
	repl_add(f, cur_beg(e), cur_end(e), xstrdup(name));
}

/*
 * The type name of _Generic's association i: the text after the comma
 * that follows the previous operand, up to the colon before kids[i].
 * NULL for "default".
 */
static char *generic_type(struct fctx *f, CXCursor *kids, unsigned i)
{
	struct tok *v;
	unsigned nt = tokens_in(f->t, cur_end(kids[i - 1]), cur_beg(kids[i]), &v);
	unsigned beg = 0, end = 0, j;
	struct sb b = { 0 };

	for (j = 0; j < nt; j++) {
		if (!beg && !strcmp(v[j].s, ","))
			beg = v[j].end;
		if (!strcmp(v[j].s, ":"))
			end = v[j].beg;
	}
	/* "default" is a single token right before the colon */
	if (beg && end > beg && !(nt >= 3 && v[nt - 2].beg >= beg &&
				  !strcmp(v[nt - 2].s, "default") && v[nt - 3].end <= beg))
		copy_text(f->t, &b, beg, end);
	tokens_free(v, nt);
	return b.s;
}

/*
 * _Generic(c, T1: e1, ..., default: en) where an association calls: which
 * one is selected depends on types this pass does not compute, so each
 * association becomes a branch under a constant condition the compiler
 * folds, "_Generic(c, Ti: 1, default: 0)", and only the selected branch's
 * calls run.  The value is taken with "_Generic(c, Ti: ei, default: t)",
 * which type-checks in the branches that are never taken.
 */
static void lin_generic(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	bool is_void = clang_getCanonicalType(clang_getCursorType(e)).kind == CXType_Void;
	char *t = is_void ? NULL : new_temp(f, e), **types;
	struct sb ctl = { 0 };
	int dflt = -1;
	unsigned i, j, nb = 0;

	copy_text(f->t, &ctl, cur_beg(kids[0]), cur_end(kids[0]));
	types = calloc(n, sizeof(*types));
	for (i = 1; i < n; i++) {
		types[i] = generic_type(f, kids, i);
		if (!types[i])
			dflt = i;
	}
	for (i = 1; i < n; i++) {
		char *r;

		if ((int)i == dflt)
			continue;
		out(f, "%sif (_Generic((%s), %s: 1, default: 0)) {\n", nb++ ? "else " : "", ctl.s,
		    types[i]);
		lin(f, kids[i]);
		r = residual(f, kids[i]);
		if (t) {
			struct sb v = { 0 };

			sb_printf(&v, "_Generic((%s), %s: (%s), default: %s)", ctl.s, types[i], r, t);
			emit_assign(f, t, v.s, clang_getCursorType(e));
			sb_free(&v);
		} else {
			out(f, "%s;\n", r);
		}
		free(r);
		out(f, "}\n");
	}
	if (dflt > 0) {
		char *r;

		out(f, "%s{\n", nb ? "else " : "");
		lin(f, kids[dflt]);
		r = residual(f, kids[dflt]);
		if (t) {
			struct sb v = { 0 };

			sb_printf(&v, "_Generic((%s)", ctl.s);
			for (j = 1; j < n; j++)
				if ((int)j != dflt)
					sb_printf(&v, ", %s: %s", types[j], t);
			sb_printf(&v, ", default: (%s))", r);
			emit_assign(f, t, v.s, clang_getCursorType(e));
			sb_free(&v);
		} else {
			out(f, "%s;\n", r);
		}
		free(r);
		out(f, "}\n");
	}
	for (i = 1; i < n; i++)
		free(types[i]);
	free(types);
	sb_free(&ctl);
	repl_add(f, cur_beg(e), cur_end(e), t ? t : xstrdup("((void)0)"));
}

/* ------------------------------------------------- initializer lists */

/*
 * clang evaluates the initializers of an aggregate in the order of the
 * subobjects they initialize (members in declaration order, elements by
 * index), not in source order, and never evaluates one that a later
 * designator overrides or that is in excess.  To hoist calls in the same
 * order, each initializer's subobject is found by the rules of C11 6.7.9
 * (designators, brace elision, the current object) and given as a bit
 * range of the whole object.
 */
struct ileaf {
	CXCursor e;
	long long beg, end;	/* bits of the object it initializes */
	unsigned seq;		/* position in the source */
	bool dead;		/* overridden or in excess: never evaluated */
};

struct ilevel {
	CXType t;
	long long base;		/* bit offset of this aggregate */
	unsigned idx, count;
	bool is_union, is_array;
	CXCursor *fields;	/* record members that take initializers */
	long long elem_bits;
};

struct iwalk {
	struct fctx *f;
	struct ileaf *v;
	unsigned n;
	bool fail;
};

struct fieldvec {
	CXCursor *v;
	unsigned n;
};

static enum CXVisitorResult field_visit(CXCursor c, CXClientData d)
{
	struct fieldvec *fv = d;
	char *name = cur_spelling(c);

	/* unnamed bit-fields take no initializer */
	if (*name || !clang_Cursor_isBitField(c)) {
		fv->v = xrealloc(fv->v, (fv->n + 1) * sizeof(*fv->v));
		fv->v[fv->n++] = c;
	}
	free(name);
	return CXVisit_Continue;
}

static bool is_aggregate(CXType t)
{
	switch (clang_getCanonicalType(t).kind) {
	case CXType_Record: case CXType_ConstantArray: case CXType_Vector:
	case CXType_ExtVector:
		return true;
	default:
		return false;
	}
}

static bool level_init(struct iwalk *w, struct ilevel *l, CXType t, long long base)
{
	CXType c = clang_getCanonicalType(t);

	memset(l, 0, sizeof(*l));
	l->t = c;
	l->base = base;
	if (c.kind == CXType_Record) {
		struct fieldvec fv = { 0 };

		l->is_union = clang_getCursorKind(clang_getTypeDeclaration(c)) ==
			      CXCursor_UnionDecl;
		clang_Type_visitFields(c, field_visit, &fv);
		l->fields = fv.v;
		l->count = fv.n;
	} else {
		long long n = c.kind == CXType_ConstantArray ? clang_getArraySize(c) :
			      clang_getNumElements(c);
		CXType et = c.kind == CXType_ConstantArray ? clang_getArrayElementType(c) :
			    clang_getElementType(c);

		l->is_array = true;
		l->elem_bits = clang_Type_getSizeOf(et) * 8;
		if (n < 0 || l->elem_bits <= 0)
			w->fail = true;
		l->count = n < 0 ? 0 : n;
	}
	return !w->fail;
}

/* Subobject i of level l: its type and bit range. */
static CXType sub_type(struct iwalk *w, struct ilevel *l, unsigned i, long long *beg,
		       long long *bits)
{
	if (l->is_array) {
		*beg = l->base + (long long)i * l->elem_bits;
		*bits = l->elem_bits;
		return clang_getCanonicalType(l->t.kind == CXType_ConstantArray ?
					      clang_getArrayElementType(l->t) :
					      clang_getElementType(l->t));
	} else {
		CXCursor fd = l->fields[i];
		long long off = clang_Cursor_getOffsetOfField(fd);
		CXType ft = clang_getCursorType(fd);

		if (off < 0) {
			w->fail = true;
			off = 0;
		}
		*beg = l->base + off;
		*bits = clang_Cursor_isBitField(fd) ? clang_getFieldDeclBitWidth(fd) :
			clang_Type_getSizeOf(ft) * 8;
		return clang_getCanonicalType(ft);
	}
}

static void leaf_add(struct iwalk *w, CXCursor e, long long beg, long long end, bool dead)
{
	w->v = xrealloc(w->v, (w->n + 1) * sizeof(*w->v));
	w->v[w->n] = (struct ileaf){ e, beg, end, w->n, dead };
	w->n++;
}

static void walk_list(struct iwalk *w, CXCursor list, CXType t, long long base);

static void level_advance(struct ilevel *l, unsigned last)
{
	l->idx = l->is_union ? l->count : last + 1;
}

static void levels_free(struct ilevel *st, unsigned depth)
{
	for (unsigned i = 0; i < depth; i++)
		free(st[i].fields);
}

/* Does an expression of type a initialize an aggregate of type b as a whole? */
static bool same_aggregate(CXType a, CXType b)
{
	a = clang_getCanonicalType(a);
	b = clang_getCanonicalType(b);
	if (a.kind != b.kind)
		return false;
	if (a.kind == CXType_Record)
		return clang_equalCursors(clang_getTypeDeclaration(a), clang_getTypeDeclaration(b));
	return a.kind == CXType_Vector || a.kind == CXType_ExtVector;
}

/* Initialize the subobject at the top of the stack (and the range up to hi) with x. */
static void init_sub(struct iwalk *w, struct ilevel *st, unsigned *depth, CXCursor x,
		     unsigned hi)
{
	CXCursor sx = strip_implicit(x);

	while (!w->fail) {
		struct ilevel *l = &st[*depth - 1];
		long long beg, bits, b2, bits2;
		unsigned last;
		CXType ty;

		if (l->idx >= l->count) {
			w->fail = true;
			return;
		}
		ty = sub_type(w, l, l->idx, &beg, &bits);
		last = hi > l->idx && hi < l->count ? hi : l->idx;	/* [lo ... hi] = x */
		sub_type(w, l, last, &b2, &bits2);
		if (clang_getCursorKind(x) == CXCursor_InitListExpr) {
			/* a braced list initializes the whole subobject: what
			 * earlier initializers put anywhere in it is overridden */
			for (unsigned i = 0; i < w->n; i++)
				if (w->v[i].beg < b2 + bits2 && beg < w->v[i].end)
					w->v[i].dead = true;
			walk_list(w, x, ty, beg);
			if (last > l->idx)
				w->fail = true;	/* a range of braced lists */
			level_advance(l, last);
			return;
		}
		if (!is_aggregate(ty) ||
		    same_aggregate(clang_getCursorType(x), ty) ||
		    (ty.kind == CXType_ConstantArray &&
		     clang_getCursorKind(sx) == CXCursor_StringLiteral)) {
			leaf_add(w, x, beg, b2 + bits2, false);
			level_advance(l, last);
			return;
		}
		/* brace elision: x initializes the first scalar inside */
		if (*depth == 64 || last > l->idx) {
			w->fail = true;
			return;
		}
		hi = 0;
		if (!level_init(w, &st[(*depth)++], ty, beg))
			return;
	}
}

/* Find field fd in record level l, through anonymous members; push levels for those. */
static bool designate_field(struct iwalk *w, struct ilevel *st, unsigned *depth, CXCursor fd)
{
	struct ilevel *l = &st[*depth - 1];

	if (l->is_array)
		return false;
	for (unsigned i = 0; i < l->count; i++)
		if (clang_equalCursors(l->fields[i], fd)) {
			l->idx = i;
			return true;
		}
	for (unsigned i = 0; i < l->count; i++) {
		char *name = cur_spelling(l->fields[i]);
		long long beg, bits;
		CXType ty;
		bool anon = !*name;

		free(name);
		if (!anon || *depth == 64)
			continue;
		ty = sub_type(w, l, i, &beg, &bits);
		if (ty.kind != CXType_Record)
			continue;
		level_init(w, &st[*depth], ty, beg);
		(*depth)++;
		if (designate_field(w, st, depth, fd)) {
			l->idx = i;
			return true;
		}
		free(st[--(*depth)].fields);
	}
	return false;
}

static bool const_index(CXCursor e, unsigned *out)
{
	CXEvalResult r = clang_Cursor_Evaluate(e);
	bool ok = r && clang_EvalResult_getKind(r) == CXEval_Int &&
		  clang_EvalResult_getAsLongLong(r) >= 0;

	if (ok)
		*out = clang_EvalResult_getAsLongLong(r);
	if (r)
		clang_EvalResult_dispose(r);
	return ok;
}

/* A designated initializer "D = x": libclang shows it as a void UnexposedExpr. */
static bool is_designated(CXCursor c)
{
	return clang_getCursorKind(c) == CXCursor_UnexposedExpr &&
	       clang_getCanonicalType(clang_getCursorType(c)).kind == CXType_Void;
}

static void walk_designated(struct iwalk *w, struct ilevel *st, unsigned *depth, CXCursor d)
{
	CXCursor *kids;
	unsigned n = get_kids(d, &kids), hi = 0;

	if (n < 2) {
		w->fail = true;
		free(kids);
		return;
	}
	while (*depth > 1)
		free(st[--(*depth)].fields);
	for (unsigned j = 0; j + 1 < n && !w->fail; j++) {
		struct ilevel *l = &st[*depth - 1];
		unsigned lo;

		hi = 0;
		if (clang_getCursorKind(kids[j]) == CXCursor_MemberRef) {
			if (!designate_field(w, st, depth, clang_getCursorReferenced(kids[j])))
				w->fail = true;
			l = &st[*depth - 1];
		} else if (l->is_array && const_index(kids[j], &lo)) {
			struct tok *v;
			unsigned nt = j + 2 < n ? tokens_in(w->f->t, cur_end(kids[j]),
							    cur_beg(kids[j + 1]), &v) : 0;
			bool range = nt && !strcmp(v[0].s, "...");

			if (nt)
				tokens_free(v, nt);
			l->idx = lo;
			if (range && !const_index(kids[++j], &hi))
				w->fail = true;
			if (lo >= l->count)
				w->fail = true;
		} else {
			w->fail = true;
		}
		if (j + 2 < n && !w->fail) {
			long long beg, bits;
			CXType ty = sub_type(w, l, l->idx, &beg, &bits);

			if (hi || !is_aggregate(ty) || *depth == 64)
				w->fail = true;
			else
				level_init(w, &st[(*depth)++], ty, beg);
		}
	}
	if (!w->fail)
		init_sub(w, st, depth, kids[n - 1], hi);
	free(kids);
}

static void walk_list(struct iwalk *w, CXCursor list, CXType t, long long base)
{
	struct ilevel st[64];
	unsigned depth = 1, n, i;
	CXCursor *kids;

	n = get_kids(list, &kids);
	if (!is_aggregate(t)) {
		/* a scalar in braces: the first initializer, the rest in excess */
		for (i = 0; i < n; i++)
			leaf_add(w, kids[i], base, base + clang_Type_getSizeOf(t) * 8, i > 0);
		free(kids);
		return;
	}
	if (!level_init(w, &st[0], t, base)) {
		free(kids);
		return;
	}
	for (i = 0; i < n && !w->fail; i++) {
		if (!is_expr(kids[i]))
			continue;
		if (is_designated(kids[i])) {
			walk_designated(w, st, &depth, kids[i]);
			continue;
		}
		/* the next subobject of the current object */
		while (st[depth - 1].idx >= st[depth - 1].count && depth > 1) {
			free(st[--depth].fields);
			level_advance(&st[depth - 1], st[depth - 1].idx);
		}
		if (st[depth - 1].idx >= st[depth - 1].count)
			leaf_add(w, kids[i], 0, 0, true);	/* in excess */
		else
			init_sub(w, st, &depth, kids[i], 0);
	}
	levels_free(st, depth);
	free(kids);
}

static int ileaf_cmp(const void *a, const void *b)
{
	const struct ileaf *x = a, *y = b;

	if (x->beg != y->beg)
		return x->beg < y->beg ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * Linearize an initializer list in clang's order.  Falls back to source
 * order when the subobjects cannot be worked out.
 */
static void lin_init_list(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	struct iwalk w = { .f = f };
	int last = -1;

	walk_list(&w, e, clang_getCursorType(e), 0);
	if (w.fail) {
		free(w.v);
		lin_ordered(f, kids, n);
		return;
	}
	/*
	 * A later initializer overrides an earlier one it covers; one that
	 * overlaps it in part overrides a scalar (another member of a union)
	 * but not a structure-valued expression, whose other members stay.
	 */
	for (unsigned i = 0; i < w.n; i++)
		for (unsigned j = i + 1; j < w.n && !w.v[i].dead; j++) {
			struct ileaf *a = &w.v[i], *b = &w.v[j];

			if (b->dead || b->beg >= a->end || a->beg >= b->end)
				continue;
			a->dead = (b->beg <= a->beg && b->end >= a->end) ||
				  !is_aggregate(clang_getCursorType(a->e));
		}
	qsort(w.v, w.n, sizeof(*w.v), ileaf_cmp);
	for (unsigned i = 0; i < w.n; i++)
		if (!w.v[i].dead && work(f, w.v[i].e))
			last = i;
	for (int i = 0; i <= last; i++) {
		if (w.v[i].dead)
			continue;
		lin(f, w.v[i].e);
		if (i < last)
			capture(f, w.v[i].e);
	}
	free(w.v);
}

static void lin_node(struct fctx *f, CXCursor e);

static void lin(struct fctx *f, CXCursor e)
{
	if (!work(f, e))
		return;
	f->nest.lin_depth++;
	lin_node(f, e);
	f->nest.lin_depth--;
}

static void lin_node(struct fctx *f, CXCursor e)
{
	enum CXCursorKind k = clang_getCursorKind(e);
	CXCursor *kids;
	unsigned n;

	n = get_kids(e, &kids);
	switch (k) {
	case CXCursor_UnaryExpr:	/* sizeof of a VLA type: its size is evaluated */
		free(kids);
		n = distinct_kids(e, &kids);
		for (unsigned i = 0; i < n; i++)
			if (is_expr(kids[i]))
				lin(f, kids[i]);
		break;
	case CXCursor_CallExpr:
		if (hoistable(e))
			emit_call(f, e, false);
		else if (is_direct_call(e))	/* builtins must stay directly called */
			lin_ordered(f, kids + 1, n ? n - 1 : 0);
		else
			lin_ordered(f, kids, n);
		break;
	case CXCursor_BinaryOperator:
	case CXCursor_CompoundAssignOperator: {
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(e);

		if (n != 2)
			break;
		if (op == CXBinaryOperator_LAnd || op == CXBinaryOperator_LOr) {
			lin_logical(f, e, kids[0], kids[1], op == CXBinaryOperator_LAnd);
		} else if (op == CXBinaryOperator_Comma) {
			char *r;

			lin(f, kids[0]);
			r = residual(f, kids[0]);
			out(f, "%s;\n", r);
			free(r);
			lin(f, kids[1]);
			repl_add(f, cur_beg(e), cur_end(e), residual(f, kids[1]));
			{
				struct sb b = { 0 };
				char *x = f->text.repl[f->text.nrepl - 1].text;

				sb_printf(&b, "(%s)", x);
				free(x);
				f->text.repl[f->text.nrepl - 1].text = b.s;
			}
		} else if (op >= CXBinaryOperator_Assign && op <= CXBinaryOperator_OrAssign) {
			/* clang evaluates the right operand of an assignment first */
			lin(f, kids[1]);
			if (work(f, kids[0])) {
				capture(f, kids[1]);
				lin(f, kids[0]);
			}
		} else {
			lin_ordered(f, kids, 2);
		}
		break;
	}
	case CXCursor_ConditionalOperator:
		if (n == 3)
			lin_cond(f, e, kids[0], kids[1], kids[2]);
		break;
	case CXCursor_StmtExpr:
		lin_stmt_expr(f, e);
		break;
	case CXCursor_CompoundLiteralExpr: {
		CXCursor in;

		if (transparent_union_arg(e, &in))
			lin(f, in);
		else
			lin_compound_literal(f, e, kids, n);
		break;
	}
	case CXCursor_CStyleCastExpr:
		if (n)
			lin(f, kids[n - 1]);
		break;
	case CXCursor_InitListExpr:
		lin_init_list(f, e, kids, n);
		break;
	case CXCursor_ArraySubscriptExpr:
		/* p[f()]: clang loads p before the call in the index */
		lin_ordered(f, kids, n);
		break;
	case CXCursor_GenericSelectionExpr:
		lin_generic(f, e, kids, n);
		break;
	case CXCursor_UnexposedExpr: {
		unsigned sel = chosen_operand(f, e, kids, n);

		if (sel) {
			/* the chosen operand stands for the whole expression */
			struct sb b = { 0 };
			char *r;

			lin(f, kids[sel]);
			r = residual(f, kids[sel]);
			sb_printf(&b, "(%s)", r);
			free(r);
			repl_add(f, cur_beg(e), cur_end(e), b.s);
			break;
		}
		if (is_gnu_cond(f, e, kids, n)) {
			lin_gnu_cond(f, e, kids[0], kids[n - 1]);
			break;
		}
	}
		/* fall through */
	default:
		for (unsigned i = 0; i < n; i++)
			if (is_expr(kids[i]))
				lin(f, kids[i]);
		break;
	}
	free(kids);
}

/* An expression statement: the value is discarded. */
static void emit_expr_stmt(struct fctx *f, CXCursor e)
{
	CXCursor s = e;
	char *r;

	while (clang_getCursorKind(s) == CXCursor_ParenExpr) {
		CXCursor *kids;
		unsigned n = get_kids(s, &kids);

		if (n != 1) {
			free(kids);
			break;
		}
		s = kids[0];
		free(kids);
	}
	if (clang_getCursorKind(s) == CXCursor_CallExpr && hoistable(s)) {
		emit_call(f, s, true);
		return;
	}
	lin(f, e);
	r = residual(f, e);
	out(f, "%s;\n", r);
	free(r);
}

/* ---------------------------------------------------------------- statements */

static void emit_braced(struct fctx *f, CXCursor s)
{
	if (clang_getCursorKind(s) == CXCursor_CompoundStmt) {
		emit_stmt(f, s);
		return;
	}
	out(f, "{\n");
	emit_stmt(f, s);
	out(f, "}\n");
}

static char *new_label(struct fctx *f, const char *what)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "__us_%s%u", what, ++f->text.nlabels);
	return xstrdup(buf);
}

static void push_loop(struct fctx *f, const char *brk, const char *cont, bool sw)
{
	if (f->nest.nloops_open == (int)(sizeof(f->nest.loops) / sizeof(f->nest.loops[0]))) {
		diag(f->t, f->fi->cur, "error", "statements nested too deeply");
		return;
	}
	f->nest.loops[f->nest.nloops_open++] = (struct loopctx){ brk, cont, sw };
}

/* The for-statement's parts, told apart by its two semicolons. */
static void for_parts(struct fctx *f, CXCursor s, CXCursor *kids, unsigned n, CXCursor *init,
		      CXCursor *cond, CXCursor *incr, CXCursor *body)
{
	struct tok *v;
	unsigned nt = tokens_in(f->t, cur_beg(s), cur_beg(kids[n - 1]), &v);
	unsigned semi[2] = { 0, 0 }, ns = 0, i;
	int paren = 0, brace = 0;

	for (i = 0; i < nt && ns < 2; i++) {
		if (!strcmp(v[i].s, "("))
			paren++;
		else if (!strcmp(v[i].s, ")"))
			paren--;
		else if (!strcmp(v[i].s, "{"))
			brace++;
		else if (!strcmp(v[i].s, "}"))
			brace--;
		else if (!strcmp(v[i].s, ";") && paren == 1 && brace == 0)
			semi[ns++] = v[i].beg;
	}
	tokens_free(v, nt);
	*init = *cond = *incr = clang_getNullCursor();
	*body = kids[n - 1];
	for (i = 0; i + 1 < n; i++) {
		unsigned b = cur_beg(kids[i]);

		if (b < semi[0])
			*init = kids[i];
		else if (b < semi[1])
			*cond = kids[i];
		else
			*incr = kids[i];
	}
}

static void emit_cond_break(struct fctx *f, CXCursor cond)
{
	char *r;

	lin(f, cond);
	r = residual(f, cond);
	out(f, "if (!(%s)) break;\n", r);
	free(r);
}

/*
 * A loop without calls into instrumented code or slow_call()s and without
 * inner loops: strip-mined so that it polls once every STRIP iterations,
 * and the inner strip stays a plain counted loop the compiler can
 * vectorize.
 */
static void emit_strip_mined(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
			     CXCursor body, unsigned line)
{
	char *brk = new_label(f, "b"), *cont = NULL;
	char *rc = clang_Cursor_isNull(cond) ? NULL : residual(f, cond);
	char *ri = clang_Cursor_isNull(incr) ? NULL : residual(f, incr);

	f->text.uses_k = true;
	/* the update point at the head: the restore enters the loop there */
	out(f, "for (;;) {\n");
	emit_poll(f, "loop", line, "loop", body, true);
	if (k == CXCursor_DoStmt) {
		cont = new_label(f, "c");
		out(f, "for (__us_k = 0; __us_k < %u; __us_k++) {\n", STRIP);
		push_loop(f, brk, cont, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "%s: ;\nif (!(%s)) goto %s;\n}\n", cont, rc, brk);
	} else {
		out(f, "for (__us_k = 0; __us_k < %u%s%s%s; __us_k++%s%s%s) ", STRIP,
		    rc ? " && (" : "", rc ? rc : "", rc ? ")" : "",
		    ri ? ", (" : "", ri ? ri : "", ri ? ")" : "");
		push_loop(f, brk, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "if (__us_k < %u) break;\n", STRIP);
	}
	out(f, "}\n%s: ;\n", brk);
	free(brk);
	free(cont);
	free(rc);
	free(ri);
}

struct assigns {
	CXCursor var;
	bool assigned;
};

static bool refers_to(CXCursor e, CXCursor var)
{
	e = strip_implicit(e);
	return clang_getCursorKind(e) == CXCursor_DeclRefExpr &&
	       clang_equalCursors(clang_getCursorReferenced(e), var);
}

/* What an assignment, compound assignment, ++ or -- writes; else null. */
static CXCursor assigned_operand(CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	CXCursor *kids, lhs = clang_getNullCursor();
	unsigned n;

	if (k == CXCursor_BinaryOperator || k == CXCursor_CompoundAssignOperator) {
		enum CXBinaryOperatorKind op = clang_getCursorBinaryOperatorKind(c);

		if (op < CXBinaryOperator_Assign || op > CXBinaryOperator_OrAssign)
			return lhs;
	} else if (k == CXCursor_UnaryOperator) {
		if (clang_getCursorUnaryOperatorKind(c) > CXUnaryOperator_PreDec)
			return lhs;
	} else {
		return lhs;
	}
	n = get_kids(c, &kids);
	if (n)
		lhs = strip_implicit(kids[0]);
	free(kids);
	return lhs;
}

static enum CXChildVisitResult assigns_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct assigns *a = d;
	CXCursor lhs = assigned_operand(c);

	(void)p;
	if (!clang_Cursor_isNull(lhs) && refers_to(lhs, a->var))
		a->assigned = true;
	return CXChildVisit_Recurse;
}

/* Does s assign var (an assignment, compound assignment, ++ or --)? */
static bool assigned_in(CXCursor s, CXCursor var)
{
	struct assigns a = { var, false };

	visit_tree(s, assigns_visit, &a);
	return a.assigned;
}

/*
 * A counted loop: "for (...; V relop E; V++)" (or --, += c, -= c) where V
 * is a scalar local that only the increment changes.  It runs a bounded
 * number of iterations, so nested in a loop that polls it needs no poll.
 */
static bool is_counted(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
		       CXCursor body)
{
	CXCursor *kids, var;
	unsigned n;
	bool ok = false;

	if (k != CXCursor_ForStmt || clang_Cursor_isNull(cond) || clang_Cursor_isNull(incr))
		return false;
	cond = strip_implicit(cond);
	if (clang_getCursorKind(cond) != CXCursor_BinaryOperator)
		return false;
	switch (clang_getCursorBinaryOperatorKind(cond)) {
	case CXBinaryOperator_LT: case CXBinaryOperator_GT: case CXBinaryOperator_LE:
	case CXBinaryOperator_GE: case CXBinaryOperator_NE:
		break;
	default:
		return false;
	}
	incr = strip_implicit(incr);
	n = get_kids(incr, &kids);
	if (n < 1) {
		free(kids);
		return false;
	}
	var = strip_implicit(kids[0]);
	if (clang_getCursorKind(incr) == CXCursor_UnaryOperator)
		ok = clang_getCursorUnaryOperatorKind(incr) <= CXUnaryOperator_PreDec;
	else if (clang_getCursorKind(incr) == CXCursor_CompoundAssignOperator)
		ok = n == 2 && is_const_expr(kids[1]) &&
		     (clang_getCursorBinaryOperatorKind(incr) == CXBinaryOperator_AddAssign ||
		      clang_getCursorBinaryOperatorKind(incr) == CXBinaryOperator_SubAssign);
	free(kids);
	if (!ok || !is_stable_local(f, var))
		return false;
	var = clang_getCursorReferenced(var);
	n = get_kids(cond, &kids);
	ok = n == 2 && (refers_to(kids[0], var) || refers_to(kids[1], var));
	free(kids);
	if (!ok)
		return false;
	return !assigned_in(body, var);
}

/*
 * The direction and size (at most STRIP) of the step of a counted loop
 * (is_counted()'s increment).
 */
static bool count_step(CXCursor incr, bool *up, long long *step)
{
	CXCursor *kids;
	unsigned n;
	bool ok;

	incr = strip_implicit(incr);
	if (clang_getCursorKind(incr) == CXCursor_UnaryOperator) {
		enum CXUnaryOperatorKind u = clang_getCursorUnaryOperatorKind(incr);

		*up = u == CXUnaryOperator_PostInc || u == CXUnaryOperator_PreInc;
		*step = 1;
		return true;
	}
	n = get_kids(incr, &kids);
	/* a large constant may wrap in the counter's type: 'i += 0xffffffffu' */
	ok = n == 2 && int_value(kids[1], step) && *step && *step >= -STRIP && *step <= STRIP;
	free(kids);
	if (!ok)
		return false;
	*up = (clang_getCursorBinaryOperatorKind(incr) == CXBinaryOperator_AddAssign) ==
	      (*step > 0);
	*step = *step < 0 ? -*step : *step;
	return true;
}

/*
 * A counted loop (is_counted) from a constant to a constant, at most STRIP
 * iterations, in the direction of its increment: "for (i = 0; i < 4; i++)".
 * It ends by itself within a bounded time, so it needs no update point, and
 * the compiler unrolls it as in the plain code.
 */
static bool is_short_counted(struct fctx *f, CXCursor init, CXCursor cond, CXCursor incr,
			     CXCursor body)
{
	CXCursor *kids, var;
	unsigned n;
	long long from, to, step = 1;
	bool ok, up;
	enum CXBinaryOperatorKind op;

	if (clang_Cursor_isNull(init) || !is_counted(f, CXCursor_ForStmt, cond, incr, body))
		return false;
	init = strip_implicit(init);
	if (clang_getCursorKind(init) != CXCursor_BinaryOperator ||
	    clang_getCursorBinaryOperatorKind(init) != CXBinaryOperator_Assign)
		return false;
	n = get_kids(init, &kids);
	ok = n == 2 && int_value(kids[1], &from);
	var = n == 2 ? clang_getCursorReferenced(strip_implicit(kids[0])) : clang_getNullCursor();
	free(kids);
	if (!ok)
		return false;
	cond = strip_implicit(cond);
	op = clang_getCursorBinaryOperatorKind(cond);
	n = get_kids(cond, &kids);
	ok = n == 2 && refers_to(kids[0], var) && int_value(kids[1], &to);
	free(kids);
	if (!ok || op == CXBinaryOperator_NE)
		return false;
	if (!count_step(incr, &up, &step) ||
	    up != (op == CXBinaryOperator_LT || op == CXBinaryOperator_LE))
		return false;
	/* the values are small, so the variable's type cannot wrap them */
	if (from < -STRIP * 64LL || from > STRIP * 64LL || to < -STRIP * 64LL ||
	    to > STRIP * 64LL)
		return false;
	return (up ? to - from : from - to) <= STRIP;
}

/* ------------------------------------------------- loops that end by themselves */

struct invariant {
	struct fctx *f;
	CXCursor body, var;	/* var: the loop's counter */
	bool ok;
};

/* An unexposed expression that is one operand's implicit conversion: the same extent. */
static bool is_implicit_cast(CXCursor c)
{
	CXCursor *kids;
	unsigned n = get_kids(c, &kids);
	bool r = n == 1 && cur_beg(kids[0]) == cur_beg(c) && cur_end(kids[0]) == cur_end(c);

	free(kids);
	return r;
}

static enum CXChildVisitResult invariant_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct invariant *in = d;
	CXCursor ref;

	(void)p;
	switch (clang_getCursorKind(c)) {
	case CXCursor_IntegerLiteral: case CXCursor_CharacterLiteral:
		return CXChildVisit_Continue;
	case CXCursor_ParenExpr: case CXCursor_CStyleCastExpr: case CXCursor_ConditionalOperator:
		return CXChildVisit_Recurse;
	case CXCursor_UnexposedExpr:
		/* an implicit conversion; not an __atomic_* builtin (AtomicExpr) */
		if (is_implicit_cast(c))
			return CXChildVisit_Recurse;
		break;
	case CXCursor_BinaryOperator:
		if (clang_getCursorBinaryOperatorKind(c) >= CXBinaryOperator_Mul &&
		    clang_getCursorBinaryOperatorKind(c) <= CXBinaryOperator_LOr)
			return CXChildVisit_Recurse;
		break;
	case CXCursor_UnaryOperator:
		switch (clang_getCursorUnaryOperatorKind(c)) {
		case CXUnaryOperator_Plus: case CXUnaryOperator_Minus: case CXUnaryOperator_Not:
		case CXUnaryOperator_LNot:
			return CXChildVisit_Recurse;
		default:
			break;
		}
		break;
	case CXCursor_UnaryExpr:
		if (is_const_expr(c))
			return CXChildVisit_Continue;
		break;
	case CXCursor_DeclRefExpr:
		ref = clang_getCursorReferenced(c);
		if (clang_getCursorKind(ref) == CXCursor_EnumConstantDecl)
			return CXChildVisit_Continue;
		if (!is_stable_local(in->f, c) || clang_equalCursors(ref, in->var))
			break;
		if (!assigned_in(in->body, ref))
			return CXChildVisit_Continue;
		break;
	default:
		break;
	}
	in->ok = false;
	return CXChildVisit_Break;
}

/*
 * Is e free of side effects and of memory reads, and the same on every
 * pass through body: constants, and locals other than var that the body
 * does not assign?
 */
static bool is_invariant(struct fctx *f, CXCursor e, CXCursor body, CXCursor var)
{
	struct invariant in = { f, body, var, true };

	visit_tree(e, invariant_visit, &in);
	return in.ok;
}

/* An integer type of at most 64 bits: its size, and whether it is signed. */
static bool int_type(CXType t, long long *size, bool *is_signed)
{
	t = clang_getCanonicalType(t);
	switch (t.kind) {
	case CXType_Bool: case CXType_Char_U: case CXType_UChar: case CXType_UShort:
	case CXType_UInt: case CXType_ULong: case CXType_ULongLong: case CXType_Char16:
	case CXType_Char32:
		*is_signed = false;
		break;
	case CXType_Char_S: case CXType_SChar: case CXType_WChar: case CXType_Short:
	case CXType_Int: case CXType_Long: case CXType_LongLong:
		*is_signed = true;
		break;
	case CXType_Enum:
		return false;	/* its underlying type's signedness is not at hand */
	default:
		return false;
	}
	*size = clang_Type_getSizeOf(t);
	return *size > 0 && *size <= 8;
}

/* A pointer the loop can step and subtract: to an object type, the same as u's. */
static bool steppable_ptr(CXType t, CXType u)
{
	CXType pt, pu;

	t = clang_getCanonicalType(t);
	u = clang_getCanonicalType(u);
	if (t.kind != CXType_Pointer || u.kind != CXType_Pointer)
		return false;
	pt = clang_getUnqualifiedType(clang_getCanonicalType(clang_getPointeeType(t)));
	pu = clang_getUnqualifiedType(clang_getCanonicalType(clang_getPointeeType(u)));
	return pt.kind != CXType_FunctionProto && pt.kind != CXType_FunctionNoProto &&
	       pt.kind != CXType_Void && clang_Type_getSizeOf(pt) > 0 && clang_equalTypes(pt, pu);
}

/* The guard of "do ... while (--v)", "while (v--)" and the like (bounded_guard()). */
static char *countdown_guard(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor body)
{
	CXCursor *kids, var;
	unsigned n;
	enum CXUnaryOperatorKind op;
	long long size;
	bool sgn, ok;
	struct sb g = { 0 };
	char *v;

	cond = strip_implicit(cond);
	if (clang_getCursorKind(cond) != CXCursor_UnaryOperator)
		return NULL;
	op = clang_getCursorUnaryOperatorKind(cond);
	if (op != CXUnaryOperator_PreDec && op != CXUnaryOperator_PostDec)
		return NULL;
	n = get_kids(cond, &kids);
	ok = n == 1 && is_stable_local(f, kids[0]);
	var = ok ? strip_implicit(kids[0]) : clang_getNullCursor();
	free(kids);
	if (!ok || !int_type(clang_getCursorType(var), &size, &sgn))
		return NULL;
	if (assigned_in(body, clang_getCursorReferenced(var)))
		return NULL;
	v = residual(f, var);
	/*
	 * Passes: "do ... while (--v)" v, "while (--v)" v - 1, from v > 0;
	 * "do ... while (v--)" v + 1, "while (v--)" v, from v >= 0.
	 */
	if (op == CXUnaryOperator_PreDec)
		sb_printf(&g, "(%s) > 0 && (%s) <= %u", v, v, STRIP);
	else
		sb_printf(&g, "%s%s%s(%s) %s %u", sgn ? "(" : "", sgn ? v : "",
			  sgn ? ") >= 0 && " : "", v, k == CXCursor_DoStmt ? "<" : "<=", STRIP);
	free(v);
	return g.s;
}

/*
 * The guard of a loop that ends by itself within STRIP passes, else null:
 * "for (...; v relop e; v += step)" (is_counted(), e is_invariant(), v an
 * integer as wide as int that cannot wrap before e, or a pointer), or a
 * do or while loop on "--v" or "v--".  When the guard holds, the loop
 * runs as written, with no update point: the delay it adds to an update
 * is bounded as in the strip-mined loop, by STRIP passes of a body
 * without loops or calls.
 */
static char *bounded_guard(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
			   CXCursor body)
{
	CXCursor *kids, var, vx, e;
	unsigned n;
	enum CXBinaryOperatorKind op;
	long long step = 1, vsize = 0, esize, margin;
	bool up, vs, es, ok, ptr, rev, tuns = false;
	struct sb g = { 0 }, d1 = { 0 }, d2 = { 0 }, lim = { 0 };
	char *v, *x;
	const char *cmp;

	if (clang_Cursor_isNull(cond))
		return NULL;
	if (k != CXCursor_ForStmt)
		return countdown_guard(f, k, cond, body);
	if (!is_counted(f, k, cond, incr, body))
		return NULL;
	/* the step: is_counted() allows ++, --, += c, -= c */
	if (!count_step(incr, &up, &step))
		return NULL;
	n = get_kids(strip_implicit(incr), &kids);
	var = clang_getCursorReferenced(strip_implicit(kids[0]));
	free(kids);
	/* v relop e, or e relop v turned round */
	cond = strip_implicit(cond);
	op = clang_getCursorBinaryOperatorKind(cond);
	n = get_kids(cond, &kids);
	ok = n == 2;
	rev = ok && !refers_to(kids[0], var);
	vx = ok ? strip_implicit(kids[rev]) : clang_getNullCursor();
	e = ok ? kids[!rev] : clang_getNullCursor();
	free(kids);
	if (!ok || !is_invariant(f, e, body, var))
		return NULL;
	if (rev)
		op = op == CXBinaryOperator_LT ? CXBinaryOperator_GT :
		     op == CXBinaryOperator_GT ? CXBinaryOperator_LT :
		     op == CXBinaryOperator_LE ? CXBinaryOperator_GE :
		     op == CXBinaryOperator_GE ? CXBinaryOperator_LE : op;
	ptr = steppable_ptr(clang_getCursorType(vx), clang_getCursorType(strip_implicit(e)));
	if (!ptr) {
		if (!int_type(clang_getCursorType(vx), &vsize, &vs) ||
		    !int_type(clang_getCursorType(strip_implicit(e)), &esize, &es) || vsize < 4)
			return NULL;
		/*
		 * v must reach e without wrapping.  A signed v would overflow
		 * first, which a program does not do, but one built with
		 * -fwrapv (which may come in a response or configuration
		 * file, or as -fno-strict-overflow) or with -fsanitize=
		 * signed-integer-overflow does: every v is taken to wrap, in
		 * the comparison's type T (v as wide as it; e promoted).
		 * Stepped by one toward e, v meets e; else the guard asks
		 * that e stop short of T's end by the step ("v <= e" up: e
		 * below T's maximum).
		 */
		if (esize < 4)
			esize = 4, es = true;
		if (vsize < esize)
			return NULL;
		tuns = !vs || (vsize == esize && !es);
	}
	switch (op) {
	case CXBinaryOperator_LT: cmp = "<"; ok = up; break;
	case CXBinaryOperator_LE: cmp = "<="; ok = up; break;
	case CXBinaryOperator_GT: cmp = ">"; ok = !up; break;
	case CXBinaryOperator_GE: cmp = ">="; ok = !up; break;
	case CXBinaryOperator_NE: cmp = "!="; ok = step == 1; break;
	default: ok = false; break;
	}
	if (!ok)
		return NULL;
	v = residual(f, vx);
	x = residual(f, e);
	/* the distance, exact as unsigned long long when v has not passed e */
	if (ptr) {
		sb_printf(&d1, "(unsigned long long)((%s) - (%s))", up ? x : v, up ? v : x);
	} else {
		sb_printf(&d2, "(unsigned long long)(__typeof__((%s) + (%s)))", v, x);
		sb_printf(&d1, "%s(%s) - %s(%s)", d2.s, up ? x : v, d2.s, up ? v : x);
	}
	/* integers: how far e must stay from the end of T */
	margin = op == CXBinaryOperator_LE || op == CXBinaryOperator_GE ? step : step - 1;
	if (!ptr && op != CXBinaryOperator_NE && margin) {
		sb_printf(&lim, "(__typeof__((%s) + (%s)))(%s) %s ", v, x, x, up ? "<=" : ">=");
		/* T's end: (T)-1 or (T)0 unsigned, its maximum or minimum signed */
		if (tuns)
			sb_printf(&lim, "(__typeof__((%s) + (%s)))%s %s %lld && ", v, x,
				  up ? "-1" : "0", up ? "-" : "+", margin);
		else
			sb_printf(&lim, "(__typeof__((%s) + (%s)))(%s%s) %s %lld && ", v, x,
				  up ? "" : "-", vsize == 4 ? "2147483647" : "9223372036854775807LL",
				  up ? "-" : "- 1 +", margin);
	}
	if (op == CXBinaryOperator_NE)
		sb_printf(&g, "!((%s) != (%s)) || ((%s) %s (%s) && %s <= %u)", v, x, v,
			  up ? "<" : ">", x, d1.s, STRIP);
	else
		sb_printf(&g, "!((%s) %s (%s)) || (%s%s %s %u)", v, cmp, x, lim.s ? lim.s : "",
			  d1.s,
			  op == CXBinaryOperator_LE || op == CXBinaryOperator_GE ? "<" : "<=",
			  STRIP);
	free(v);
	free(x);
	sb_free(&d1);
	sb_free(&d2);
	sb_free(&lim);
	return g.s;
}

/*
 * Where a loop polls: at its head; at its latch (the end of its body,
 * where a continue goes, with only a hop at its head); or nowhere, every
 * pass through its body polling (covers(), a hop at its head).
 */
enum poll_at { POLL_HEAD, POLL_LATCH, POLL_NONE };

/*
 * A polled loop's head: its update point, or only the hop a frame being
 * rebuilt goes on by.  The hop is spelled out, not __US_HOPC_, for a copy
 * of the loop to rename (clone_loop).
 */
static void emit_loop_head(struct fctx *f, unsigned line, CXCursor body, bool poll)
{
	unsigned h = f->nest.hops_open[f->nest.nhops_open - 1];

	if (poll) {
		emit_poll(f, "loop", line, "loop", body, true);
		return;
	}
	out(f, "__us_h%u: if (__builtin_expect(__US_PENDING, 0)) { __US_HOP_%s_%u }\n", h,
	    f->fi->ename, h);
}

/*
 * Is there a label in the statement, a case of a switch around it, or a
 * backward or computed goto?
 */
struct labels {
	int switches;
	bool found;
	bool entries;	/* only the ways in: labels and cases, not gotos */
};

static enum CXChildVisitResult labels_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct labels *l = d;
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	/* a backward goto has an update point (not a loop head's) */
	if (k == CXCursor_LabelStmt || (!l->entries && is_back_goto(c)) ||
	    ((k == CXCursor_CaseStmt || k == CXCursor_DefaultStmt) && !l->switches)) {
		l->found = true;
		return CXChildVisit_Break;
	}
	if (k == CXCursor_SwitchStmt) {
		l->switches++;
		clang_visitChildren(c, labels_visit, l);
		l->switches--;
		return l->found ? CXChildVisit_Break : CXChildVisit_Continue;
	}
	return CXChildVisit_Recurse;
}

static enum CXChildVisitResult asm_visit(CXCursor c, CXCursor p, CXClientData d)
{
	(void)p;
	if (clang_getCursorKind(c) == CXCursor_AsmStmt) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/*
 * The guard under which a loop without calls into instrumented code or
 * inner loops (but "do { } while (0)") runs as written, or null: it is
 * bounded_guard()ed, outside any other loop of the function, and has no
 * label (it would be defined twice), case of a switch around it, backward
 * or computed goto, or asm (an asm goto).
 */
static char *version_guard(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
			   CXCursor body)
{
	struct labels l = { 0, false, false };
	bool found = false;

	if (f->nest.loop_depth != 1 || f->nest.short_depth)
		return NULL;
	labels_visit(body, body, &l);
	if (!l.found)
		clang_visitChildren(body, labels_visit, &l);
	visit_tree(body, asm_visit, &found);
	if (l.found || found)
		return NULL;
	return bounded_guard(f, k, cond, incr, body);
}

/*
 * "if (guard) { the loop as written } else {": the body's text, break and
 * continue its own, for the loop with its update points to repeat.
 */
static char *emit_unpolled_loop(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
				CXCursor body, const char *guard)
{
	char *rc = residual(f, cond), *ri = clang_Cursor_isNull(incr) ? NULL : residual(f, incr);
	char *text;
	size_t beg;

	out(f, "if (%s) {\n", guard);
	if (k == CXCursor_DoStmt)
		out(f, "do ");
	else if (k == CXCursor_WhileStmt)
		out(f, "while (%s) ", rc);
	else
		out(f, "for (; %s; %s) ", rc, ri ? ri : "");
	push_loop(f, NULL, NULL, false);
	beg = f->text.body.len;
	emit_braced(f, body);
	f->nest.nloops_open--;
	text = xstrdup(f->text.body.s + beg);
	if (k == CXCursor_DoStmt)
		out(f, "while (%s);\n", rc);
	out(f, "} else {\n");
	free(rc);
	free(ri);
	return text;
}

/*
 * A loop with its update point (or hop) at its head, without the block
 * around it: strip-mined when nothing in it calls instrumented code or
 * code that may run long, or loops (inner).  With a guard
 * (version_guard(), freed here; only for an inner loop), the loop runs as
 * written when the guard holds.
 */
static void emit_polled_loop(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
			     CXCursor body, unsigned line, bool inner, enum poll_at at, char *guard)
{
	bool cond_work, incr_work, simple_do, simple_for;
	char *cont = NULL, *rc = NULL, *ri = NULL, *text = NULL;

	if (!inner) {
		emit_strip_mined(f, k, cond, incr, body, line);
		return;
	}
	if (guard)
		text = emit_unpolled_loop(f, k, cond, incr, body, guard);
	cond_work = !clang_Cursor_isNull(cond) && work(f, cond);
	incr_work = !clang_Cursor_isNull(incr) && work(f, incr);
	/* without calls in the condition and increment, they stay in place */
	simple_do = k == CXCursor_DoStmt && !cond_work;
	simple_for = k != CXCursor_DoStmt && !cond_work && !incr_work;
	if (at == POLL_LATCH || (!simple_do && !simple_for &&
				 (k == CXCursor_DoStmt || !clang_Cursor_isNull(incr))))
		cont = new_label(f, "c");
	if (simple_do) {
		out(f, "do {\n");
	} else if (simple_for) {
		ri = clang_Cursor_isNull(incr) ? xstrdup("") : residual(f, incr);
		/* the update point before the condition: it is the loop's head */
		out(f, "for (;; %s) {\n", ri);
	} else {
		out(f, "for (;;) {\n");
	}
	emit_loop_head(f, line, body, at == POLL_HEAD);
	if (k != CXCursor_DoStmt && !clang_Cursor_isNull(cond)) {
		if (simple_for) {
			rc = residual(f, cond);
			out(f, "if (!(%s)) break;\n", rc);
		} else {
			emit_cond_break(f, cond);
		}
	}
	if (text) {
		out(f, "%s", text);
	} else {
		push_loop(f, NULL, cont, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
	}
	if (cont)
		out(f, "%s: ;\n", cont);
	if (at == POLL_LATCH)
		emit_poll(f, "loop", line, "loop", body, false);
	if (simple_do) {
		rc = residual(f, cond);
		out(f, "} while (%s);\n", rc);
	} else {
		if (!simple_for && k == CXCursor_DoStmt)
			emit_cond_break(f, cond);
		else if (!simple_for && !clang_Cursor_isNull(incr))
			emit_expr_stmt(f, incr);
		out(f, "}\n");
	}
	if (guard)
		out(f, "}\n");
	free(guard);
	free(text);
	free(cont);
	free(rc);
	free(ri);
}

/* Does the statement assign a local or parameter of pointer type? */
static enum CXChildVisitResult ptr_assign_visit(CXCursor c, CXCursor p, CXClientData d)
{
	CXCursor lhs = assigned_operand(c);

	(void)p;
	if (!clang_Cursor_isNull(lhs) && clang_getCursorKind(lhs) == CXCursor_DeclRefExpr) {
		CXCursor v = clang_getCursorReferenced(lhs);

		if ((clang_getCursorKind(v) == CXCursor_VarDecl ||
		     clang_getCursorKind(v) == CXCursor_ParmDecl) &&
		    clang_getCanonicalType(clang_getCursorType(v)).kind == CXType_Pointer) {
			*(bool *)d = true;
			return CXChildVisit_Break;
		}
	}
	return CXChildVisit_Recurse;
}

/*
 * A loop that a frame being rebuilt resumes in its copy.  Were the restore
 * to enter the loop itself, every value the loop carries would merge with
 * a restored one at its head, and the optimizer would lose what it knows
 * of them: KissFFT's radix-5 butterfly kept its five output pointers as
 * five induction variables instead of one base and offsets.  So a loop
 * nest whose only update points are its loops' heads (no call into
 * instrumented code, no backward goto) and that moves a pointer (assigns
 * a local or parameter of pointer type) is emitted a second time after
 * itself, under "if (0)", its labels renamed (suffix "r"), and its
 * continuation points resume there: the restore goes to the copy's head,
 * and the copy's hops (__US_HOPR_<f>_<N>) on into it.  From the copy the
 * frame goes on after the loop as from the loop.  The copy keeps the
 * update points (the same continuation points, the same saves), so a
 * second update unwinds it too.  Labels in the loop, or cases of a switch
 * around it, would be defined twice: such a loop is not copied.  Nor is
 * one that only counts: an integer that starts restored costs the
 * optimizer little, and copying the bubble sort's loops cost it more (344
 * million instructions against 338) than it gained.
 */
static bool clonable(struct fctx *f, CXCursor s, const struct find *fd)
{
	struct labels l = { 0, false, false };
	bool moves_pointer = false;

	if (f->nest.cloning || fd->call)
		return false;
	clang_visitChildren(s, ptr_assign_visit, &moves_pointer);
	if (!moves_pointer)
		return false;
	clang_visitChildren(s, labels_visit, &l);
	return !l.found;
}

/* The copy of the loop emitted at [start, end of body), whose hop is chain[at]. */
static void clone_loop(struct fctx *f, size_t start, unsigned cp0, unsigned at)
{
	struct sb copy = { 0 }, names = { 0 };
	const char *p, *text, *end;

	for (unsigned i = cp0; i < f->frame.ncps; i++)
		if (strcmp(f->frame.cps[i].kind, "loop"))
			return;	/* a backward goto polls in it */
	if (f->text.body.len - start > CLONE_MAX)
		return;	/* twice the compile time for a rebuild's sake */
	/* the labels the loop's text defines: __us_[hlbc]<digits> */
	text = f->text.body.s + start;
	end = f->text.body.s + f->text.body.len;
	for (p = text; p < end; p++) {
		const char *q = p + 5;

		if (strncmp(p, "__us_", 5) || (p > text && (isalnum((unsigned char)p[-1]) ||
							   p[-1] == '_')))
			continue;
		if (!strchr("hlbc", *q) || !isdigit((unsigned char)*++q))
			continue;
		while (isdigit((unsigned char)*q))
			q++;
		if (*q == ':')
			sb_printf(&names, " %.*s ", (int)(q - p), p);
	}
	/* the copy: those labels renamed wherever the text names them */
	for (p = text; p < end;) {
		const char *q = p;
		char word[64];

		if (p > text && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
			sb_put(&copy, p++, 1);
			continue;
		}
		if (!strncmp(p, "__US_HOP_", 9)) {
			sb_puts(&copy, "__US_HOPR_");
			p += 9;
			continue;
		}
		while (q < end && (isalnum((unsigned char)*q) || *q == '_'))
			q++;
		if (q == p) {
			sb_put(&copy, p++, 1);
			continue;
		}
		sb_put(&copy, p, q - p);
		if (q - p < (long)sizeof(word) - 2 && !strncmp(p, "__us_", 5)) {
			snprintf(word, sizeof(word), " %.*s ", (int)(q - p), p);
			if (names.s && strstr(names.s, word))
				sb_put(&copy, "r", 1);
		}
		p = q;
	}
	out(f, "if (0) {\n%s}\n", copy.s);
	for (unsigned i = cp0; i < f->frame.ncps; i++) {
		f->frame.cps[i].cloned = true;
		f->frame.cps[i].clone_at = at;
	}
	sb_free(&copy);
	sb_free(&names);
}

/* A loop's parts, and whether its body calls instrumented code or loops. */
struct loop_parts {
	enum CXCursorKind k;
	CXCursor init, cond, incr, body;
	struct find fd;
};

/* What x, a part of loop s (or null), holds, added to fd. */
static void find_in(CXCursor x, CXCursor s, struct find *fd)
{
	if (clang_Cursor_isNull(x))
		return;
	find_visit(x, s, fd);
	clang_visitChildren(x, find_visit, fd);
	if (!fd->slow)
		visit_tree(x, slow_visit, &fd->slow);
}

static void loop_parts(struct fctx *f, CXCursor s, struct loop_parts *lp)
{
	CXCursor *kids;
	unsigned n = get_kids(s, &kids);

	lp->k = clang_getCursorKind(s);
	lp->init = lp->incr = clang_getNullCursor();
	if (lp->k == CXCursor_ForStmt) {
		for_parts(f, s, kids, n, &lp->init, &lp->cond, &lp->incr, &lp->body);
	} else if (lp->k == CXCursor_WhileStmt) {
		lp->cond = kids[0];
		lp->body = kids[n - 1];
	} else {
		lp->body = kids[0];
		lp->cond = kids[n - 1];
	}
	free(kids);
	lp->fd = (struct find){ f, false, false, false, false };
	find_in(lp->body, s, &lp->fd);
	find_in(lp->cond, s, &lp->fd);
	find_in(lp->incr, s, &lp->fd);
}

enum loop_kind {
	LOOP_ONCE,	/* "do { ... } while (0)" */
	LOOP_SHORT,	/* is_short_counted(): no update point */
	LOOP_COUNTED,	/* call-free, counted, in a loop: no update point */
	LOOP_POLLED,	/* an update point at its head (or only hops, see covers()) */
};

/* What emit_loop() makes of a loop; nested: inside a loop that polls. */
static enum loop_kind loop_kind(struct fctx *f, const struct loop_parts *lp, bool nested)
{
	long long n;

	if (lp->k == CXCursor_DoStmt && !work(f, lp->cond) && int_value(lp->cond, &n) && !n)
		return LOOP_ONCE;
	/* a pass that may take long needs its update point */
	if (lp->fd.slow)
		return LOOP_POLLED;
	if (lp->k == CXCursor_ForStmt && !clang_Cursor_isNull(lp->cond) &&
	    !clang_Cursor_isNull(lp->incr) && !work(f, lp->cond) && !work(f, lp->incr) &&
	    is_short_counted(f, lp->init, lp->cond, lp->incr, lp->body))
		return LOOP_SHORT;
	if (!lp->fd.call && !lp->fd.loop && nested &&
	    is_counted(f, lp->k, lp->cond, lp->incr, lp->body))
		return LOOP_COUNTED;
	return LOOP_POLLED;
}

static enum CXChildVisitResult jumps_visit(CXCursor c, CXCursor p, CXClientData d);

/*
 * The same inside a loop of s: a goto or asm; a continue is the loop's,
 * but one in a statement expression may be in the loop's for-init, which
 * runs before it (and is the outer loop's): such a continue counts.
 */
static enum CXChildVisitResult jumps_out_visit(CXCursor c, CXCursor p, CXClientData d)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	if (k == CXCursor_GotoStmt || k == CXCursor_IndirectGotoStmt || k == CXCursor_AsmStmt) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	if (k == CXCursor_StmtExpr) {
		clang_visitChildren(c, jumps_visit, d);
		return *(bool *)d ? CXChildVisit_Break : CXChildVisit_Continue;
	}
	return CXChildVisit_Recurse;
}

/*
 * Can control go from the start of statement s to its end, or to a
 * continue of the loop around it, other than through s's own statements
 * in order: a goto (or asm goto), or a continue of that loop?  Loops in s
 * take their own continues.
 */
static enum CXChildVisitResult jumps_visit(CXCursor c, CXCursor p, CXClientData d)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	if (k == CXCursor_GotoStmt || k == CXCursor_IndirectGotoStmt || k == CXCursor_AsmStmt ||
	    k == CXCursor_ContinueStmt) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt) {
		bool jumps = false;

		clang_visitChildren(c, jumps_out_visit, &jumps);
		*(bool *)d = jumps;
		return jumps ? CXChildVisit_Break : CXChildVisit_Continue;
	}
	return CXChildVisit_Recurse;
}

static bool jumps(CXCursor s)
{
	bool found = false;

	if (!clang_Cursor_isNull(s))
		visit_tree(s, jumps_visit, &found);
	return found;
}

static bool head_polls(struct fctx *f, CXCursor s);
struct loop_parts;
static enum poll_at poll_place(struct fctx *f, const struct loop_parts *lp);

/*
 * Does every path from the start of statement s, in a loop, to the end of
 * s or to a continue of the loop pass an update point?  Then the loop
 * needs none at its head: every cycle through it passes one.  s covers when
 * it is a loop whose head polls, or a block in which such a loop comes
 * before any goto or continue.  (A goto from elsewhere into the block only
 * shortens a path to the loop's head, which then goes through s from its
 * start.)  A bubble sort's outer loop or a goto cycle through nested loops
 * then polls once per pass instead of once per loop.
 */
static bool covers(struct fctx *f, CXCursor s)
{
	enum CXCursorKind k = clang_getCursorKind(s);
	CXCursor *kids;
	unsigned n;
	bool c = false;

	if (k == CXCursor_ForStmt || k == CXCursor_WhileStmt || k == CXCursor_DoStmt)
		return head_polls(f, s);
	if (k != CXCursor_CompoundStmt && k != CXCursor_LabelStmt)
		return false;
	n = get_kids(s, &kids);
	if (k == CXCursor_LabelStmt) {
		c = n && covers(f, kids[n - 1]);
	} else {
		for (unsigned i = 0; i < n && !c; i++) {
			c = covers(f, kids[i]);
			if (!c && jumps(kids[i]))
				break;
		}
	}
	free(kids);
	return c;
}

/* Does every entry to loop s, nested in a loop, pass its head's update point? */
static bool head_polls(struct fctx *f, CXCursor s)
{
	struct loop_parts lp;

	loop_parts(f, s, &lp);
	return loop_kind(f, &lp, true) == LOOP_POLLED && !jumps(lp.init) &&
	       poll_place(f, &lp) == POLL_HEAD;
}

/*
 * Where a loop that polls does (enum poll_at).  A loop around call-free
 * loops polls at its latch: in the bubble sort, the save at the outer
 * loop's head (of its counter i) made LLVM's loop strength reduction build
 * the inner loop's exit test from one more register (an extra lea on the
 * swap path), 1.2 times plain's run time; polling at the latch, 0.99.
 */
static enum poll_at poll_place(struct fctx *f, const struct loop_parts *lp)
{
	/* a goto in the condition or increment may skip the body's update point */
	if (lp->fd.loop && !jumps(lp->cond) && !jumps(lp->incr) && covers(f, lp->body))
		return POLL_NONE;
	if (lp->fd.nest && !lp->fd.call)
		return POLL_LATCH;
	return POLL_HEAD;
}

/*
 * Does a backward goto to target need an update point of its own?  Not in
 * a loop whose head polls, that target is outside of, and that has no
 * label or case: from target, control reaches the goto only through that
 * loop's head (csmith's gotos out of nested loops to before them).
 */
static bool goto_polls(struct fctx *f, CXCursor target)
{
	unsigned t = cur_beg(target);

	for (int j = f->nest.nhops_open - 1; j >= 0; j--) {
		CXCursor m = f->nest.hop_loops[j];
		struct labels l = { 0, false, true };

		if (clang_Cursor_isNull(m) || (t >= cur_beg(m) && t < cur_end(m)))
			continue;
		clang_visitChildren(m, labels_visit, &l);
		if (!l.found)
			return false;
	}
	return true;
}

static void emit_loop(struct fctx *f, CXCursor s)
{
	struct loop_parts lp;
	enum CXCursorKind k = clang_getCursorKind(s);
	CXCursor init, cond, incr, body;
	unsigned line = cur_line(s);
	struct find fd;
	enum loop_kind kind;
	size_t start;
	unsigned cp0;
	enum poll_at at;
	bool root;
	char *guard = NULL;

	loop_parts(f, s, &lp);
	init = lp.init, cond = lp.cond, incr = lp.incr, body = lp.body, fd = lp.fd;
	kind = loop_kind(f, &lp, f->nest.loop_depth);

	out(f, "{\n");
	if (!clang_Cursor_isNull(init)) {
		if (clang_getCursorKind(init) == CXCursor_DeclStmt)
			emit_stmt(f, init);
		else
			emit_expr_stmt(f, init);
	}
	if (kind == LOOP_ONCE) {
		/* "do { ... } while (0)" of a macro runs once: not a loop */
		out(f, "do ");
		push_loop(f, NULL, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "while (0);\n}\n");
		return;
	}
	if (kind == LOOP_SHORT) {
		char *rc = residual(f, cond), *ri = residual(f, incr);

		/*
		 * Bounded by itself: no update point, and no loop depth for
		 * the counted loops inside, which must poll on their own.
		 * With calls inside, the restore may go through its head.
		 */
		if (fd.call) {
			unsigned h = push_hop(f);

			out(f, "for (;; %s) {\n__us_h%u: __US_HOPC_%s_%u\nif (!(%s)) break;\n", ri,
			    h, f->fi->ename, h, rc);
		} else {
			out(f, "for (; %s; %s) ", rc, ri);
		}
		push_loop(f, NULL, NULL, false);
		f->nest.short_depth++;
		emit_braced(f, body);
		f->nest.short_depth--;
		f->nest.nloops_open--;
		if (fd.call) {
			f->nest.nhops_open--;
			out(f, "}\n");
		}
		out(f, "}\n");
		free(rc);
		free(ri);
		return;
	}
	if (kind == LOOP_COUNTED) {
		char *rc = residual(f, cond), *ri = residual(f, incr);

		/* the enclosing loop's update point bounds the delay */
		out(f, "for (; %s; %s) ", rc, ri);
		f->nest.loop_depth++;
		push_loop(f, NULL, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		f->nest.loop_depth--;
		out(f, "}\n");
		free(rc);
		free(ri);
		return;
	}
	f->nest.loop_depth++;
	push_hop(f);
	start = f->text.body.len;
	cp0 = f->frame.ncps;
	at = poll_place(f, &lp);
	/*
	 * call-free, the loop polls at its head on every pass (its body has
	 * no continue label); a strip-mined loop (!fd.loop) costs little
	 */
	if (!fd.call && !fd.slow && !fd.nest && fd.loop && at == POLL_HEAD)
		guard = version_guard(f, k, cond, incr, body);
	/* its copy would be entered only when it runs long: not worth the size */
	root = !guard && clonable(f, s, &fd);
	f->nest.cloning |= root;
	if (at == POLL_HEAD)
		f->nest.hop_loops[f->nest.nhops_open - 1] = s;
	emit_polled_loop(f, k, cond, incr, body, line, fd.call || fd.loop || fd.slow, at, guard);
	if (root) {
		f->nest.cloning = false;
		clone_loop(f, start, cp0, f->nest.nhops_open - 1);
	}
	out(f, "}\n");
	f->nest.loop_depth--;
	f->nest.nhops_open--;
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

/* Copy [beg, end) leaving out the storage-class tokens named. */
static void copy_skipping(struct fctx *f, struct sb *b, unsigned beg, unsigned end,
			  const char *const *skip)
{
	struct tok *v;
	unsigned n = tokens_in(f->t, beg, end, &v), pos = beg;

	for (unsigned i = 0; i < n; i++)
		for (int j = 0; skip[j]; j++)
			if (!strcmp(v[i].s, skip[j])) {
				copy_text(f->t, b, pos, v[i].beg);
				pos = v[i].end;
				break;
			}
	copy_text(f->t, b, pos, end);
	tokens_free(v, n);
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

static const char *const local_skip[] = { "register", "auto", NULL };
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

static void emit_decl_stmt(struct fctx *f, CXCursor s)
{
	CXCursor *kids, vars[256];
	unsigned n = get_kids(s, &kids), nv = 0, i, ndecl = 0;
	bool has_static = false, has_extern = false, has_other = false, auto_type = false;
	unsigned start, prev_end;
	struct sb d = { 0 };

	for (i = 0; i < n; i++) {
		enum CXCursorKind k = clang_getCursorKind(kids[i]);

		if (k == CXCursor_VarDecl && nv < 256) {
			enum CX_StorageClass sc = clang_Cursor_getStorageClass(kids[i]);

			vars[nv++] = kids[i];
			has_static |= sc == CX_SC_Static;
			has_extern |= sc == CX_SC_Extern;
		} else if (k == CXCursor_FunctionDecl || k == CXCursor_StaticAssert) {
			has_other = true;
		}
	}
	if (!nv && !has_other) {
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
	if (has_extern || has_other) {
		/* prototypes, extern declarations: in place, as written */
		copy_text(f->t, &f->text.body, cur_beg(s), cur_end(s));
		sb_puts(&f->text.body, "\n");
		free(kids);
		return;
	}
	start = declarator_start(f, cur_beg(s), loc_off(clang_getCursorLocation(vars[0])));
	for (i = 0; i < n && !has_static; i++) {
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
	if (has_static) {
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

static void emit_stmt(struct fctx *f, CXCursor s)
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
	f->frame.scope_parent = xrealloc(f->frame.scope_parent, (f->frame.nscopes + 2) * sizeof(*f->frame.scope_parent));
	f->frame.scope_parent[++f->frame.nscopes] = f->nest.nopen_scopes ? f->nest.open_scopes[f->nest.nopen_scopes - 1] : 0;
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

		if (!clang_Cursor_isNull(target) && cur_beg(target) < cur_beg(s) &&
		    goto_polls(f, target)) {
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

/* ------------------------------------------------------------------ assembly */

static void layout(struct fctx *f, unsigned long *size)
{
	unsigned long off = 16;		/* struct __upstare_frame_hdr */

	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];
		long long a = l->align > 0 ? l->align : 1;

		off = (off + a - 1) / a * a;
		l->off = off;
		off += l->size > 0 ? l->size : 0;
	}
	off = (off + 7) / 8 * 8;
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].addr_taken || f->frame.locals[i].shadow) {
			f->frame.locals[i].addr_off = off;
			off += 8;
		}
	*size = off;
}

/*
 * The function's parameters as the arguments of a call to itself.  An unnamed parameter is never read: a zero of its type
 * stands for it.
 */
static void param_args(struct fninfo *fi, struct sb *o)
{
	for (int a = 0; a < clang_Cursor_getNumArguments(fi->cur); a++) {
		CXCursor p = clang_Cursor_getArgument(fi->cur, a);
		char *pn = cur_spelling(p);

		if (a)
			sb_puts(o, ", ");
		if (*pn) {
			sb_puts(o, pn);
		} else {
			char *ts = type_spelling(adjusted(clang_getCursorType(p)));

			sb_printf(o, "(__typeof_unqual__(%s)){ 0 }", ts);
			free(ts);
		}
		free(pn);
	}
}

/*
 * The save blocks.  A local declared in a block is saved only by the update
 * points within that block: each block has a save label that saves its
 * locals and goes on to its parent's, and __us_save saves the parameters,
 * the function-scope locals and every local whose address is taken.  So a
 * block's local is not live at the update points outside the block, as in
 * the plain code ("t" of a swap in a loop body stays a register).  At a
 * continuation point outside its block, a local's slot in the frame record
 * is left as it was.
 */
/*
 * Where each side-stack local's block is: always recorded, even where the
 * local is dead, since the rebuilt frame takes the same block back.
 */
static void emit_shadow_save(struct fctx *f, struct sb *o)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].shadow)
			sb_printf(o, "*(void **)(__us_fr + %lu) = (void *)%s;\n",
				  f->frame.locals[i].addr_off, f->frame.locals[i].sp);
}

static void emit_save_return(struct fctx *f, struct sb *o);
static void emit_point_save(struct fctx *f, struct sb *o, unsigned id);

/* Save local l into the frame record, and where it lives if its address is taken. */
static void emit_local_save(struct sb *o, const struct local *l)
{
	sb_printf(o, "__builtin_memcpy(__us_fr + %lu, &%s, %lld);\n", l->off, l->name, l->size);
	if (l->addr_taken)
		sb_printf(o, "*(void **)(__us_fr + %lu) = (void *)&%s;\n", l->addr_off, l->name);
}

static void emit_save_block(struct fctx *f, struct sb *o)
{
	sb_puts(o, "if (0) {\n");
	for (unsigned sc = f->frame.nscopes; sc >= 1; sc--) {
		unsigned parent = f->frame.scope_parent[sc];

		sb_printf(o, "__us_save_s%u: ;\n", sc);
		for (unsigned i = 0; i < f->frame.nlocals; i++) {
			struct local *l = &f->frame.locals[i];

			if (l->temp || l->scope != sc || l->addr_taken)
				continue;
			sb_printf(o, "__builtin_memcpy(__us_fr + %lu, &%s, %lld);\n", l->off,
				  l->name, l->size);
		}
		if (parent)
			sb_printf(o, "goto __us_save_s%u;\n", parent);
		else
			sb_puts(o, "goto __us_save;\n");
	}
	sb_puts(o, "__us_save: ;\n");
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (l->temp || (l->scope && !l->addr_taken))
			continue;
		emit_local_save(o, l);
	}
	emit_shadow_save(f, o);
	sb_puts(o, "__us_save_ret: ;\n");
	emit_save_return(f, o);
	for (unsigned id = 0; id < f->frame.ncps; id++)
		if (f->frame.cps[id].ndead)
			emit_point_save(f, o, id);
	sb_puts(o, "}\n");
}

static bool in_scope_chain(struct fctx *f, unsigned sc, unsigned of)
{
	for (; sc; sc = f->frame.scope_parent[sc])
		if (sc == of)
			return true;
	return false;
}

static bool is_dead_at(struct cp *c, unsigned i)
{
	for (unsigned d = 0; d < c->ndead; d++)
		if (c->dead[d] == i)
			return true;
	return false;
}

/*
 * The save block of a continuation point where some locals are dead: what
 * the block-scope chain from it saves, but the dead locals' slots are left
 * undefined, and a dead address-taken local's old address is recorded as
 * NULL (nothing points into it: the rebuild relocates nothing to it).
 */
static void emit_point_save(struct fctx *f, struct sb *o, unsigned id)
{
	struct cp *c = &f->frame.cps[id];

	sb_printf(o, "__us_save_p%u: ;\n", id);
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (l->temp || (l->scope && !l->addr_taken && !in_scope_chain(f, c->scope, l->scope)))
			continue;
		if (is_dead_at(c, i)) {
			if (l->addr_taken)
				sb_printf(o, "*(void **)(__us_fr + %lu) = (void *)0;\n",
					  l->addr_off);
			continue;
		}
		emit_local_save(o, l);
	}
	emit_shadow_save(f, o);
	sb_puts(o, "goto __us_save_ret;\n");
}

static void emit_save_return(struct fctx *f, struct sb *o)
{
	if (f->fi->returns_void) {
		sb_puts(o, "return;\n");
	} else {
		sb_printf(o, "{ __typeof_unqual__(%s(", f->fi->ename);
		param_args(f->fi, o);
		sb_puts(o, ")) __us_z; __builtin_memset(&__us_z, 0, sizeof(__us_z)); "
			   "return __us_z; }\n");
	}
}

/* The side-stack locals (analyze.c's plan_shadow()), allocated at entry. */
static void emit_shadow_alloc(struct fctx *f, struct sb *o)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		const char *p = f->frame.locals[i].sp;

		/*
		 * The fast path inline: bump the chunk's top.  The local's own
		 * alignment (_Alignas, aligned()) went with its declarator to
		 * the pointer: __alignof__ of the pointer carries it.
		 */
		if (f->frame.locals[i].shadow)
			sb_printf(o, "if (__alignof__(*%1$s) <= 16 && __alignof__(%1$s) <= 16 && "
				     "(unsigned long)(__upstare_sh_end - __upstare_sh_top) > "
				     "((sizeof(*%1$s) + 15) & ~15UL)) { %1$s = (void *)__upstare_sh_top; "
				     "__upstare_sh_top += (sizeof(*%1$s) + 15) & ~15UL; } "
				     "else %1$s = __upstare_shadow_alloc(sizeof(*%1$s), "
				     "__alignof__(*%1$s) > __alignof__(%1$s) ? __alignof__(*%1$s) : "
				     "__alignof__(%1$s));\n", p);
	}
}

/* The frame layout as constants the generated code names. */
static void emit_layout_enum(struct fctx *f, struct sb *o, unsigned long size)
{
	sb_printf(o, "enum { __US_SIZE = %lu", size);
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].temp)
			sb_printf(o, ", __US_OFF_%u = %lu", f->frame.locals[i].temp, f->frame.locals[i].off);
	sb_puts(o, " };\n");
}

/* Is the loop at chain[d] of the point, or the point itself, in a copy? */
static bool in_copy(const struct cp *c, unsigned d)
{
	return c->cloned && d >= c->clone_at;
}

/* At continuation point id, in the cold path: its temporaries, and on. */
static void emit_resume_at(struct fctx *f, struct sb *o, unsigned id)
{
	for (unsigned t = f->frame.cps[id].tlo + 1; t <= f->frame.cps[id].thi; t++)
		sb_printf(o, "__builtin_memcpy(&__us_t%u, __us_fr + __US_OFF_%u, "
			     "sizeof(__us_t%u)); ", t, t, t);
	sb_printf(o, "__upstare_frame_done(__us_fr); goto __us_l%u%s;", id,
		  f->frame.cps[id].cloned ? "r" : "");
}

static bool has_newaddr(const struct fctx *f)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].addr_taken)
			return true;
	return false;
}

/*
 * The restore at entry, of the record __upstare_enter popped: its locals,
 * then to the continuation point, or to the head of the outermost loop
 * around it (the hops).
 */
static void emit_restore(struct fctx *f, struct sb *o)
{
	/*
	 * The side-stack locals the entry just allocated give way to the
	 * saved frame's, which unwinding left in place: same addresses.  A
	 * local the old version did not have (a null pointer) gets its own.
	 */
	if (f->frame.first_sp)
		sb_printf(o, "__upstare_shadow_release(%s);\n", f->frame.first_sp);
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (!l->shadow)
			continue;
		sb_printf(o, "__builtin_memcpy(&%s, __us_fr + %lu, sizeof(void *));\n",
			  l->sp, l->addr_off);
		sb_printf(o, "if (!%s) %s = __upstare_shadow_alloc(sizeof(*%s), "
			     "__alignof__(*%s));\n", l->sp, l->sp, l->sp, l->sp);
	}
	/*
	 * Where the address-taken locals live now, then relocate pointers to
	 * them (__UPSTARE_FN_NEWADDR); without any, __upstare_enter relocated.
	 */
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].addr_taken)
			sb_printf(o, "__upstare_frame_newaddr(__us_fr, %u, (void *)&%s);\n", i,
				  f->frame.locals[i].name);
	if (has_newaddr(f))
		sb_puts(o, "__upstare_frame_relocate(__us_fr);\n");
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (l->temp)
			continue;
		sb_printf(o, "__builtin_memcpy((void *)&%s, __us_fr + %lu, %lld);\n",
			  l->name, l->off, l->size);
	}
	sb_puts(o, "switch (((struct __upstare_frame_hdr *)__us_fr)->cp) {\n");
	for (unsigned i = 0; i < f->frame.ncps; i++) {
		sb_printf(o, "case %u: ", i);
		if (f->frame.cps[i].nchain)
			sb_printf(o, "goto __us_h%u%s;\n", f->frame.cps[i].chain[0],
				  in_copy(&f->frame.cps[i], 0) ? "r" : "");
		else
			emit_resume_at(f, o, i), sb_puts(o, "\n");
	}
	sb_puts(o, "default: __builtin_trap();\n}\n");
}

/*
 * The hops: at the head of loop h, a frame being rebuilt whose
 * continuation point is inside goes on to the next loop's head, or to the
 * point when h is the innermost loop around it.  The short counted loops
 * (no update point of their own) test __upstare_pending for it.
 */
static void emit_hops(struct fctx *f, struct sb *o)
{
	bool copies = false;

	for (unsigned i = 0; i < f->frame.ncps; i++)
		copies |= f->frame.cps[i].cloned;
	for (unsigned h = 1; h <= f->frame.nhops; h++) {
		struct sb m[2] = { { 0 }, { 0 } };

		for (unsigned i = 0; i < f->frame.ncps; i++) {
			struct cp *c = &f->frame.cps[i];
			struct sb *b;
			unsigned d;

			for (d = 0; d < c->nchain && c->chain[d] != h; d++)
				;
			if (d == c->nchain)
				continue;
			b = &m[in_copy(c, d)];
			sb_printf(b, "case %u: ", i);
			if (d + 1 < c->nchain)
				sb_printf(b, "goto __us_h%u%s; ", c->chain[d + 1],
					  in_copy(c, d + 1) ? "r" : "");
			else
				emit_resume_at(f, b, i), sb_puts(b, " ");
		}
		for (int r = 0; r < 1 + copies; r++) {
			const char *x = r ? "R" : "";

			if (m[r].len)
				sb_printf(o, "#define __US_HOP%4$s_%1$s_%2$u if ((__us_fr = (char *)"
					     "__upstare_resuming())) switch (((struct "
					     "__upstare_frame_hdr *)__us_fr)->cp) { %3$sdefault: "
					     "__builtin_trap(); }\n", f->fi->ename, h, m[r].s, x);
			else
				sb_printf(o, "#define __US_HOP%s_%s_%u\n", x, f->fi->ename, h);
		}
		if (m[0].len)
			sb_printf(o, "#define __US_HOPC_%1$s_%2$u if (__builtin_expect(__US_PENDING, "
				     "0)) { __US_HOP_%1$s_%2$u }\n", f->fi->ename, h);
		else
			sb_printf(o, "#define __US_HOPC_%s_%u\n", f->fi->ename, h);
		sb_free(&m[0]);
		sb_free(&m[1]);
	}
}

static void emit_tables(struct fctx *f, struct sb *o, unsigned long size, bool registered)
{
	const char *e = f->fi->ename;
	CXString file;

	clang_getPresumedLocation(clang_getCursorLocation(f->fi->cur), &file, NULL, NULL);
	if (f->frame.nlocals) {
		sb_printf(o, "static const struct __upstare_local __us_lc_%s[] = {\n", e);
		for (unsigned i = 0; i < f->frame.nlocals; i++) {
			struct local *l = &f->frame.locals[i];

			sb_puts(o, "{ ");
			sb_json_str(o, l->key);
			sb_puts(o, ", ");
			sb_json_str(o, l->type);
			sb_printf(o, ", %lu, %lld, %u, %lu, %u },\n", l->off, l->size,
				  (l->is_ptr ? 1u : 0u) | (l->addr_taken ? 2u : 0u) |
			  (l->shadow ? 6u : 0u), l->addr_off, l->scope);
		}
		sb_puts(o, "};\n");
	}
	/* the locals each point does not save (the runtime must not read them) */
	for (unsigned i = 0; i < f->frame.ncps; i++) {
		if (!f->frame.cps[i].ndead)
			continue;
		sb_printf(o, "static const unsigned short __us_dead_%s_%u[] = {", e, i);
		for (unsigned d = 0; d < f->frame.cps[i].ndead; d++)
			sb_printf(o, "%s%u", d ? ", " : " ", f->frame.cps[i].dead[d]);
		sb_puts(o, " };\n");
	}
	sb_printf(o, "static const struct __upstare_cp __us_cps_%s[] = {\n", e);
	for (unsigned i = 0; i < f->frame.ncps; i++) {
		sb_puts(o, "{ ");
		sb_json_str(o, f->frame.cps[i].key);
		sb_printf(o, ", %u, %u, %u, %u, %u, %u, ", i, f->frame.cps[i].line, f->frame.cps[i].tlo,
			  f->frame.cps[i].thi, f->frame.cps[i].scope, f->frame.cps[i].ndead);
		if (f->frame.cps[i].ndead)
			sb_printf(o, "__us_dead_%s_%u },\n", e, i);
		else
			sb_puts(o, "0 },\n");
	}
	sb_puts(o, "};\n");
	if (f->frame.nscopes) {
		sb_printf(o, "static const unsigned int __us_sc_%s[] = { 0", e);
		for (unsigned sc = 1; sc <= f->frame.nscopes; sc++)
			sb_printf(o, ", %u", f->frame.scope_parent[sc]);
		sb_puts(o, " };\n");
	}
	sb_printf(o, "static const struct __upstare_fdesc __us_fd_%s%s = { 1, %s, ", e,
		  registered ? " __attribute__((used, section(\"upstare_fn\")))" : "",
		  has_newaddr(f) ? "0x2u" : "0");
	sb_json_str(o, f->fi->name);
	sb_puts(o, ", ");
	sb_json_str(o, clang_getCString(file));
	/* no other reference to the function: a static one called once is inlined */
	sb_printf(o, ", 0, %s%s, %d, %lu, %u, %u, %s%s, __us_cps_%s, %u, %s%s };\n",
		  registered ? "(void *)" : "0", registered ? e : "", !f->fi->quiet, size, f->frame.nlocals,
		  f->frame.ncps, f->frame.nlocals ? "__us_lc_" : "0", f->frame.nlocals ? e : "", e, f->frame.nscopes,
		  f->frame.nscopes ? "__us_sc_" : "0", f->frame.nscopes ? e : "");
	clang_disposeString(file);
}

struct rets {
	CXCursor *v;
	unsigned n;
};

static enum CXChildVisitResult ret_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct rets *r = d;

	if (clang_getCursorKind(c) == CXCursor_ReturnStmt) {
		r->v = xrealloc(r->v, (r->n + 1) * sizeof(*r->v));
		r->v[r->n++] = c;
	}
	return CXChildVisit_Recurse;
}

/*
 * A function that cannot be rebuilt is emitted as written, bracketed by
 * __upstare_nr_enter/leave so that no thread parks while it is active.
 */
static void emit_nr(struct tu *t, struct fninfo *fi, CXCursor body)
{
	struct sb o = { 0 };
	struct rets r = { 0 };
	unsigned pos, bb = cur_beg(body), be = cur_end(body);

	meta_nr_function(t, fi);
	clang_visitChildren(body, ret_visit, &r);
	copy_text(t, &o, cur_beg(fi->cur), bb + 1);
	sb_puts(&o, " __upstare_nr_enter(); ");
	pos = bb + 1;
	for (unsigned i = 0; i < r.n; i++) {
		CXCursor *kids;
		unsigned n = get_kids(r.v[i], &kids), end = cur_end(r.v[i]);
		struct tok *v;
		unsigned nt = tokens_in(t, end, be, &v);

		if (nt && !strcmp(v[0].s, ";"))
			end = v[0].end;
		tokens_free(v, nt);
		copy_text(t, &o, pos, cur_beg(r.v[i]));
		if (n && !fi->returns_void) {
			sb_printf(&o, "{ __typeof_unqual__(%s(", fi->ename);
			param_args(fi, &o);
			sb_puts(&o, ")) __us_r = (");
			copy_text(t, &o, cur_beg(kids[0]), cur_end(kids[0]));
			sb_puts(&o, "); __upstare_nr_leave(); return __us_r; }");
		} else if (n) {
			sb_puts(&o, "{ ");
			copy_text(t, &o, cur_beg(kids[0]), cur_end(kids[0]));
			sb_puts(&o, "; __upstare_nr_leave(); return; }");
		} else {
			sb_puts(&o, "{ __upstare_nr_leave(); return; }");
		}
		free(kids);
		pos = end;
	}
	copy_text(t, &o, pos, be - 1);
	sb_printf(&o, " __upstare_nr_leave();%s }", fi->is_main ? " return 0;" : "");
	free(r.v);
	add_region(t, cur_beg(fi->cur), cur_end(fi->cur), o.s);
}

void emit_function(struct tu *t, struct fninfo *fi)
{
	struct fctx *f;
	CXCursor *kids, body = clang_getNullCursor();
	unsigned n = get_kids(fi->cur, &kids), i, bb;
	unsigned long size;
	struct sb o = { 0 }, hdr = { 0 };
	bool registered;
	const char *entry_save;

	for (i = 0; i < n; i++)
		if (clang_getCursorKind(kids[i]) == CXCursor_CompoundStmt)
			body = kids[i];
	free(kids);
	if (fi->skip || clang_Cursor_isNull(body))
		return;
	if (fi->nr_reason) {
		emit_nr(t, fi, body);
		return;
	}
	bb = cur_beg(body);
	f = calloc(1, sizeof(*f));
	f->t = t;
	f->fi = fi;
	f->has_back_goto = -1;
	for (int a = 0; a < clang_Cursor_getNumArguments(fi->cur); a++) {
		CXCursor p = clang_Cursor_getArgument(fi->cur, a);
		char *pn = cur_spelling(p);

		if (*pn) {
			struct local *l = add_local(f, pn, pn, clang_getCursorType(p), "param");

			l->addr_taken = addr_kept(f, p);
			l->decl = p;
			l->has_decl = true;
		}
		free(pn);
	}
	if (!fi->quiet)
		new_cp(f, "entry", cur_line(fi->cur), "entry");
	emit_stmt(f, body);
	if (!fi->quiet) {
		/* at entry no local but the parameters has a value yet */
		struct cp *c = &f->frame.cps[0];

		for (i = 0; i < f->frame.nlocals; i++)
			if (!f->frame.locals[i].temp && strcmp(f->frame.locals[i].kind, "param")) {
				c->dead = xrealloc(c->dead, (c->ndead + 1) * sizeof(*c->dead));
				c->dead[c->ndead++] = i;
			}
	}
	entry_save = !fi->quiet && f->frame.cps[0].ndead ? "__us_save_p0" : "__us_save";
	layout(f, &size);
	registered = fi->addr_taken || (!fi->is_static && !fi->is_inline) ||
		     (f->t->o->register_all && fi->is_static);

	copy_skipping(f, &hdr, cur_beg(fi->cur), bb, local_skip);

	emit_line(t, &o, cur_beg(fi->cur));
	if (f->text.statics.len)
		sb_printf(&o, "%s;\n%s", hdr.s, f->text.statics.s);
	sb_printf(&o, "static const struct __upstare_fdesc __us_fd_%s;\n", fi->ename);
	emit_hops(f, &o);
	if (fi->nshadow)
		sb_printf(&o, "#undef __US_RELEASE\n#define __US_RELEASE "
			      "((char *)(%1$s) >= __upstare_sh_base && (char *)(%1$s) <= "
			      "__upstare_sh_end ? (void)(__upstare_sh_top = (char *)(%1$s)) : "
			      "__upstare_shadow_release(%1$s))\n",
			      f->frame.first_sp ? f->frame.first_sp : "0");
	emit_line(t, &o, cur_beg(fi->cur));
	sb_printf(&o, "%s\n{\n%schar *__us_fr;\n%s", hdr.s, f->text.decls.s ? f->text.decls.s : "",
		  f->text.uses_k ? "unsigned __us_k;\n" : "");
	emit_layout_enum(f, &o, size);
	emit_shadow_alloc(f, &o);
	if (!fi->quiet) {
		/* the thread is rebuilding its stack, or must save this frame */
		sb_printf(&o, "if (__builtin_expect(__US_PENDING, 0) && "
			      "(__us_fr = (char *)__upstare_enter(&__us_fd_%s))) {\n"
			      "if ((unsigned long)__us_fr & 1) { __us_fr--; goto %s; }\n",
			  fi->ename, entry_save);
		emit_restore(f, &o);
		sb_puts(&o, "}\n");
		emit_save_block(f, &o);
		sb_puts(&o, "__us_l0: ;\n");
	}
	sb_puts(&o, f->text.body.s);
	if (fi->nshadow)
		sb_puts(&o, "__US_RELEASE;\n");
	if (fi->is_main && !fi->returns_void)
		sb_puts(&o, "return 0;\n");
	sb_puts(&o, "}\n");
	emit_tables(f, &o, size, registered);
	meta_function(t, fi, &f->frame, size);
	add_region(t, cur_beg(fi->cur), cur_end(fi->cur), o.s);

	sb_free(&hdr);
	sb_free(&f->text.body);
	sb_free(&f->text.decls);
	sb_free(&f->text.statics);
	for (i = 0; i < f->frame.ncps; i++)
		free(f->frame.cps[i].chain);
	for (i = 0; i < f->nlabel_names; i++)
		free(f->label_names[i]);
	free(f->label_names);
	free(f->frame.scope_parent);
	free(f->memo);
	live_refs_free(f->refs);
	free(f);
}
