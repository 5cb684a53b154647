// SPDX-License-Identifier: GPL-2.0
/*
 * What kind of loop a loop is, decided before it is printed: its parts,
 * whether it runs once, ends by itself within a bounded number of passes
 * (no update point), is counted inside a loop that polls, or polls; where
 * it polls (head, latch, or nowhere when every pass through its body
 * does); the guard under which it may run as written; whether it is
 * copied for the restore; and whether a backward goto needs an update
 * point of its own.
 */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "emit.h"

/* Visit s itself, then, unless the visitor said otherwise, its descendants. */
static void visit_tree(CXCursor s, CXCursorVisitor visit, CXClientData d)
{
	if (visit(s, clang_getNullCursor(), d) == CXChildVisit_Recurse)
		clang_visitChildren(s, visit, d);
}

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

/*
 * A "do ... while (--v)", "while (v--)" and the like (bounded_guard()):
 * v a local integer the body does not assign.
 */
static bool countdown_guard(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor body,
			    struct guard *g)
{
	CXCursor *kids, var;
	unsigned n;
	enum CXUnaryOperatorKind op;
	long long size;
	bool sgn, ok;

	cond = strip_implicit(cond);
	if (clang_getCursorKind(cond) != CXCursor_UnaryOperator)
		return false;
	op = clang_getCursorUnaryOperatorKind(cond);
	if (op != CXUnaryOperator_PreDec && op != CXUnaryOperator_PostDec)
		return false;
	n = get_kids(cond, &kids);
	ok = n == 1 && is_stable_local(f, kids[0]);
	var = ok ? strip_implicit(kids[0]) : clang_getNullCursor();
	free(kids);
	if (!ok || !int_type(clang_getCursorType(var), &size, &sgn))
		return false;
	if (assigned_in(body, clang_getCursorReferenced(var)))
		return false;
	*g = (struct guard){ .on = true, .countdown = true, .is_do = k == CXCursor_DoStmt,
			     .v = var, .op = op, .sgn = sgn };
	return true;
}

/* The guard of countdown_guard()'s loop. */
static char *countdown_text(struct fctx *f, const struct guard *g)
{
	char *v = residual(f, g->v);
	struct sb s = { 0 };

	/*
	 * Passes: "do ... while (--v)" v, "while (--v)" v - 1, from v > 0;
	 * "do ... while (v--)" v + 1, "while (v--)" v, from v >= 0.
	 */
	if (g->op == CXUnaryOperator_PreDec)
		sb_printf(&s, "(%s) > 0 && (%s) <= %u", v, v, STRIP);
	else
		sb_printf(&s, "%s%s%s(%s) %s %u", g->sgn ? "(" : "", g->sgn ? v : "",
			  g->sgn ? ") >= 0 && " : "", v, g->is_do ? "<" : "<=", STRIP);
	free(v);
	return s.s;
}

/*
 * A loop that ends by itself within STRIP passes: "for (...; v relop e;
 * v += step)" (is_counted(), e is_invariant(), v an integer as wide as int
 * that cannot wrap before e, or a pointer), or a do or while loop on "--v"
 * or "v--".  When its guard holds, the loop runs as written, with no
 * update point: the delay it adds to an update is bounded as in the
 * strip-mined loop, by STRIP passes of a body without loops or calls.
 */
static bool bounded_guard(struct fctx *f, enum CXCursorKind k, CXCursor cond, CXCursor incr,
			  CXCursor body, struct guard *g)
{
	CXCursor *kids, var, vx, e;
	unsigned n;
	enum CXBinaryOperatorKind op;
	long long step = 1, vsize = 0, esize;
	bool up, vs, es, ok, ptr, rev, tuns = false;

	if (clang_Cursor_isNull(cond))
		return false;
	if (k != CXCursor_ForStmt)
		return countdown_guard(f, k, cond, body, g);
	if (!is_counted(f, k, cond, incr, body))
		return false;
	/* the step: is_counted() allows ++, --, += c, -= c */
	if (!count_step(incr, &up, &step))
		return false;
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
		return false;
	if (rev)
		op = op == CXBinaryOperator_LT ? CXBinaryOperator_GT :
		     op == CXBinaryOperator_GT ? CXBinaryOperator_LT :
		     op == CXBinaryOperator_LE ? CXBinaryOperator_GE :
		     op == CXBinaryOperator_GE ? CXBinaryOperator_LE : op;
	ptr = steppable_ptr(clang_getCursorType(vx), clang_getCursorType(strip_implicit(e)));
	if (!ptr) {
		if (!int_type(clang_getCursorType(vx), &vsize, &vs) ||
		    !int_type(clang_getCursorType(strip_implicit(e)), &esize, &es) || vsize < 4)
			return false;
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
			return false;
		tuns = !vs || (vsize == esize && !es);
	}
	switch (op) {
	case CXBinaryOperator_LT: case CXBinaryOperator_LE: ok = up; break;
	case CXBinaryOperator_GT: case CXBinaryOperator_GE: ok = !up; break;
	case CXBinaryOperator_NE: ok = step == 1; break;
	default: ok = false; break;
	}
	if (ok)
		*g = (struct guard){ .on = true, .v = vx, .e = e, .op = op, .up = up, .ptr = ptr,
				     .tuns = tuns, .step = step, .vsize = vsize };
	return ok;
}

/* The guard of a loop that version_guard() found bounded, spelled with the replacements. */
char *guard_text(struct fctx *f, const struct guard *g)
{
	static const char *const cmps[] = {
		[CXBinaryOperator_LT] = "<", [CXBinaryOperator_GT] = ">",
		[CXBinaryOperator_LE] = "<=", [CXBinaryOperator_GE] = ">=",
	};
	struct sb s = { 0 }, d1 = { 0 }, d2 = { 0 }, lim = { 0 };
	bool up = g->up, incl = g->op == CXBinaryOperator_LE || g->op == CXBinaryOperator_GE;
	long long margin;
	char *v, *x;

	if (g->countdown)
		return countdown_text(f, g);
	v = residual(f, g->v);
	x = residual(f, g->e);
	/* the distance, exact as unsigned long long when v has not passed e */
	if (g->ptr) {
		sb_printf(&d1, "(unsigned long long)((%s) - (%s))", up ? x : v, up ? v : x);
	} else {
		sb_printf(&d2, "(unsigned long long)(__typeof__((%s) + (%s)))", v, x);
		sb_printf(&d1, "%s(%s) - %s(%s)", d2.s, up ? x : v, d2.s, up ? v : x);
	}
	/* integers: how far e must stay from the end of T */
	margin = incl ? g->step : g->step - 1;
	if (!g->ptr && g->op != CXBinaryOperator_NE && margin) {
		sb_printf(&lim, "(__typeof__((%s) + (%s)))(%s) %s ", v, x, x, up ? "<=" : ">=");
		/* T's end: (T)-1 or (T)0 unsigned, its maximum or minimum signed */
		if (g->tuns)
			sb_printf(&lim, "(__typeof__((%s) + (%s)))%s %s %lld && ", v, x,
				  up ? "-1" : "0", up ? "-" : "+", margin);
		else
			sb_printf(&lim, "(__typeof__((%s) + (%s)))(%s%s) %s %lld && ", v, x,
				  up ? "" : "-",
				  g->vsize == 4 ? "2147483647" : "9223372036854775807LL",
				  up ? "-" : "- 1 +", margin);
	}
	if (g->op == CXBinaryOperator_NE)
		sb_printf(&s, "!((%s) != (%s)) || ((%s) %s (%s) && %s <= %u)", v, x, v,
			  up ? "<" : ">", x, d1.s, STRIP);
	else
		sb_printf(&s, "!((%s) %s (%s)) || (%s%s %s %u)", v, cmps[g->op], x,
			  lim.s ? lim.s : "", d1.s, incl ? "<" : "<=", STRIP);
	free(v);
	free(x);
	sb_free(&d1);
	sb_free(&d2);
	sb_free(&lim);
	return s.s;
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
 * The guard under which a loop runs as written, if it has one (g->on): a
 * loop outside any other loop of the function (outermost), without calls
 * into instrumented code or slow ones, or inner loops (but "do { } while
 * (0)"), that polls at its head on every pass (its body has no continue
 * label), is not strip-mined (without even a goto, it costs little), is
 * bounded_guard()ed, and has no label (it would be defined twice), case
 * of a switch around it, backward or computed goto, or asm (an asm goto).
 */
bool version_guard(struct fctx *f, const struct loop_parts *lp, enum poll_at at, bool outermost,
		   struct guard *g)
{
	struct labels l = { 0, false, false };
	bool found = false;

	*g = (struct guard){ .on = false };
	if (lp->fd.call || lp->fd.slow || lp->fd.nest || !lp->fd.loop || at != POLL_HEAD ||
	    !outermost)
		return false;
	labels_visit(lp->body, lp->body, &l);
	if (!l.found)
		clang_visitChildren(lp->body, labels_visit, &l);
	visit_tree(lp->body, asm_visit, &found);
	if (l.found || found)
		return false;
	return bounded_guard(f, lp->k, lp->cond, lp->incr, lp->body, g);
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
bool clonable(CXCursor s, const struct find *fd)
{
	struct labels l = { 0, false, false };
	bool moves_pointer = false;

	if (fd->call)
		return false;
	clang_visitChildren(s, ptr_assign_visit, &moves_pointer);
	if (!moves_pointer)
		return false;
	clang_visitChildren(s, labels_visit, &l);
	return !l.found;
}

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

void loop_parts(struct fctx *f, CXCursor s, struct loop_parts *lp)
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

/* What emit_loop() makes of a loop; nested: inside a loop that polls. */
enum loop_kind loop_kind(struct fctx *f, const struct loop_parts *lp, bool nested)
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
enum poll_at poll_place(struct fctx *f, const struct loop_parts *lp)
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
 * heads: the loops around the goto whose heads poll, outermost first.
 */
bool goto_polls(CXCursor target, const CXCursor *heads, unsigned n)
{
	unsigned t = cur_beg(target);

	for (int j = (int)n - 1; j >= 0; j--) {
		CXCursor m = heads[j];
		struct labels l = { 0, false, true };

		if (t >= cur_beg(m) && t < cur_end(m))
			continue;
		clang_visitChildren(m, labels_visit, &l);
		if (!l.found)
			return false;
	}
	return true;
}
