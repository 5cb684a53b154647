// SPDX-License-Identifier: GPL-2.0
/*
 * Expressions linearized.  Each call that may enter instrumented code is
 * hoisted to a statement of its own ("t = f(a);") with its continuation
 * point, in clang's evaluation order, preserving the short-circuit and
 * conditional semantics of &&, ||, ?: and the comma operator; operands
 * evaluated before a later call are captured in temporaries first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "emit.h"

/* Capture the value of e now, into a temporary, unless it cannot change. */
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
		if (!f->nest.copy)
			dead_after_call(f, &f->frame.cps[id]);
	}
	callee = residual(f, kids[0]);
	if (direct)
		sb_puts(&c, callee);
	else
		sb_printf(&c, "(__builtin_expect(__US_XLATE, 0) ? "
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
		out(f, "__us_l%u%s: ", id, label_sfx(f));
	if (tmp)
		emit_assign(f, tmp, c.s, clang_getCursorType(call));
	else
		out(f, "%s;\n", c.s);
	if (!quiet && f->t->o->records)
		out(f, "if (__builtin_expect(__US_PENDING, 0) && __upstare_rec_unwind("
		       "&__us_fd_%1$s, %2$uU __US_REC_%1$s_%2$u)) goto __us_save_ret;\n",
		    f->fi->ename, id);
	else if (!quiet) {
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
		f->stmt(f, stmts[i]);
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
			f->stmt(f, stmts[ns - 1]);
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

	if (n && is_expr(kids[n - 1]))	/* the initializer list, after the type name */
		lin(f, kids[n - 1]);
	snprintf(name, sizeof(name), "__us_cl%u", ++f->frame.ncls);
	/* a loop's copy names the local its first print declared */
	if (!f->nest.copy) {
		struct sb ty = { 0 };

		sb_puts(&ty, "__typeof__(");
		copy_text(f->t, &ty, cur_beg(e), cur_end(e));
		sb_printf(&ty, ") %s;\n", name);
		sb_puts(&f->text.decls, ty.s);
		sb_free(&ty);
		add_local(f, name, name, clang_getCursorType(e), "local")->addr_taken = true;
	}
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

/*
 * Linearize an initializer list in clang's order.  Falls back to source
 * order when the subobjects cannot be worked out.
 */
static void lin_init_list(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
{
	struct ileaf *v;
	unsigned nv;
	int last = -1;

	if (!init_order(f, e, &v, &nv)) {
		lin_ordered(f, kids, n);
		return;
	}
	for (unsigned i = 0; i < nv; i++)
		if (!v[i].dead && work(f, v[i].e))
			last = i;
	for (int i = 0; i <= last; i++) {
		if (v[i].dead)
			continue;
		lin(f, v[i].e);
		if (i < last)
			capture(f, v[i].e);
	}
	free(v);
}

static void lin_node(struct fctx *f, CXCursor e);

void lin(struct fctx *f, CXCursor e)
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
void emit_expr_stmt(struct fctx *f, CXCursor e)
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
