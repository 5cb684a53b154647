// SPDX-License-Identifier: GPL-2.0
/*
 * The plan of a function, made before it is printed: what each loop the
 * printer will reach is (emit_loopkind.c), where it polls, whether it
 * runs as written under a guard, whether it is printed a second time for
 * the restore (its copy); and whether each backward goto polls.  Some of
 * these depend on the loops around a statement (a counted loop needs no
 * update point inside a loop that has one; only a loop outside all others
 * gets a guard; no loop inside a copied one is copied on its own; a goto
 * out of a loop whose head polls needs none): the plan walks the body
 * with the printer's nesting, and the printer only looks the decisions
 * up, so it can print a loop twice.
 *
 * The walk reaches what the printer prints as code of its own, no more: a
 * loop in a statement expression that is not evaluated (in sizeof) is
 * printed as written, and so is not planned.  So statements are walked as
 * emit_stmt() walks them, and expressions as lin() does.  The calls'
 * continuation points are made as the printer reaches them (a quiet
 * callee has none); a copied loop has no call (clonable()).
 */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "emit.h"

struct planner {
	struct fctx *f;
	unsigned depth;		/* loops open that count or poll: loop_kind()'s "nested" */
	unsigned short_depth;	/* LOOP_SHORT loops open */
	bool copying;		/* in a loop that is copied */
	CXCursor *heads;	/* the loops open whose heads poll, outermost first */
	unsigned nheads, capheads;
};

/*
 * A statement's identity: clang's statement itself, which
 * clang_hashCursor() hashes.  A cursor also holds the declaration it was
 * reached from, which clang_equalCursors() compares too: a cursor the
 * printer reaches by another path than the plan's still finds its plan.
 */
static const void *stmt_id(CXCursor s)
{
	return s.data[1];
}

static unsigned slot_of(const struct plan *p, const void *id)
{
	return (unsigned)(((unsigned long)id >> 4) * 2654435761u) & (p->nslot - 1);
}

static void plan_rehash(struct plan *p)
{
	free(p->slot);
	p->nslot = p->nslot ? p->nslot * 2 : 64;
	p->slot = calloc(p->nslot, sizeof(*p->slot));
	for (unsigned i = 0; i < p->n; i++) {
		unsigned h = slot_of(p, p->v[i].id);

		while (p->slot[h])
			h = (h + 1) & (p->nslot - 1);
		p->slot[h] = i + 1;
	}
}

/* The decisions on statement s, a loop or goto; NULL if it was not planned. */
static struct planned *planned(struct plan *p, CXCursor s)
{
	const void *id = stmt_id(s);

	if (!p->nslot)
		return NULL;
	for (unsigned h = slot_of(p, id); p->slot[h]; h = (h + 1) & (p->nslot - 1))
		if (p->v[p->slot[h] - 1].id == id)
			return &p->v[p->slot[h] - 1];
	return NULL;
}

/* A new entry for statement s: its index (the array may move as the walk adds more). */
static unsigned plan_add(struct plan *p, CXCursor s)
{
	unsigned h;

	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 32;
		p->v = xrealloc(p->v, p->cap * sizeof(*p->v));
	}
	memset(&p->v[p->n], 0, sizeof(p->v[p->n]));
	p->v[p->n].id = stmt_id(s);
	if (2 * (p->n + 1) > p->nslot)
		plan_rehash(p);
	for (h = slot_of(p, p->v[p->n].id); p->slot[h]; h = (h + 1) & (p->nslot - 1))
		;
	p->slot[h] = p->n + 1;
	return p->n++;
}

static void plan_stmt(struct planner *w, CXCursor s);

/* What lin() linearizes of e. */
static void plan_expr(struct planner *w, CXCursor e);

static void plan_exprs(struct planner *w, CXCursor *kids, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (is_expr(kids[i]))
			plan_expr(w, kids[i]);
}

/* An initializer list: the initializers lin_init_list() evaluates. */
static void plan_init_list(struct planner *w, CXCursor e, CXCursor *kids, unsigned n)
{
	struct ileaf *v;
	unsigned nv;

	if (!init_order(w->f, e, &v, &nv)) {
		plan_exprs(w, kids, n);
		return;
	}
	for (unsigned i = 0; i < nv; i++)
		if (!v[i].dead)
			plan_expr(w, v[i].e);
	free(v);
}

/* A statement expression: its statements, the last one's value too (lin_stmt_expr()). */
static void plan_stmt_expr(struct planner *w, CXCursor *kids, unsigned n)
{
	CXCursor *stmts;
	unsigned ns;

	if (n != 1 || clang_getCursorKind(kids[0]) != CXCursor_CompoundStmt)
		return;
	ns = get_kids(kids[0], &stmts);
	for (unsigned i = 0; i < ns; i++)
		plan_stmt(w, stmts[i]);
	free(stmts);
}

static void plan_expr(struct planner *w, CXCursor e)
{
	CXCursor *kids, in;
	unsigned n, sel;

	if (!work(w->f, e))
		return;
	n = get_kids(e, &kids);
	switch (clang_getCursorKind(e)) {
	case CXCursor_UnaryExpr:
		free(kids);
		n = distinct_kids(e, &kids);
		plan_exprs(w, kids, n);
		break;
	case CXCursor_CallExpr:
		/* a direct callee is a name */
		if (is_direct_call(e))
			plan_exprs(w, kids + 1, n ? n - 1 : 0);
		else
			plan_exprs(w, kids, n);
		break;
	case CXCursor_BinaryOperator:
	case CXCursor_CompoundAssignOperator:
	case CXCursor_ConditionalOperator:
		if (n == (clang_getCursorKind(e) == CXCursor_ConditionalOperator ? 3 : 2))
			for (unsigned i = 0; i < n; i++)
				plan_expr(w, kids[i]);
		break;
	case CXCursor_StmtExpr:
		plan_stmt_expr(w, kids, n);
		break;
	case CXCursor_CompoundLiteralExpr:
		if (transparent_union_arg(e, &in))
			plan_expr(w, in);
		else if (n && is_expr(kids[n - 1]))
			plan_expr(w, kids[n - 1]);
		break;
	case CXCursor_CStyleCastExpr:
		if (n)
			plan_expr(w, kids[n - 1]);
		break;
	case CXCursor_InitListExpr:
		plan_init_list(w, e, kids, n);
		break;
	case CXCursor_GenericSelectionExpr:
		/* not the controlling expression */
		for (unsigned i = 1; i < n; i++)
			plan_expr(w, kids[i]);
		break;
	case CXCursor_UnexposedExpr:
		sel = chosen_operand(w->f, e, kids, n);
		if (sel) {
			plan_expr(w, kids[sel]);
			break;
		}
		if (is_gnu_cond(w->f, e, kids, n)) {
			plan_expr(w, kids[0]);
			plan_expr(w, kids[n - 1]);
			break;
		}
		/* fall through */
	default:
		plan_exprs(w, kids, n);
		break;
	}
	free(kids);
}

/* The initializers emit_decl_stmt() evaluates in place: automatic locals'. */
static void plan_decl(struct planner *w, CXCursor s)
{
	CXCursor *kids, vars[DECL_VARS_MAX];
	unsigned n = get_kids(s, &kids), nv;
	struct decl_kinds dk;

	nv = decl_vars(kids, n, vars, &dk);
	if (!dk.has_static && !dk.has_extern && !dk.has_other)
		for (unsigned i = 0; i < nv; i++) {
			CXCursor init = clang_Cursor_getVarDeclInitializer(vars[i]);

			if (!clang_Cursor_isNull(init))
				plan_expr(w, init);
		}
	free(kids);
}

static void push_head(struct planner *w, CXCursor s)
{
	if (w->nheads == w->capheads) {
		w->capheads = w->capheads ? w->capheads * 2 : 16;
		w->heads = xrealloc(w->heads, w->capheads * sizeof(*w->heads));
	}
	w->heads[w->nheads++] = s;
}

/*
 * A loop with update points (LOOP_POLLED): where it polls, its guard,
 * whether it is copied; then what is inside, the condition and increment
 * evaluated in the loop when its body calls or loops (emit_polled_loop()).
 */
static void plan_polled(struct planner *w, CXCursor s, unsigned id)
{
	struct loop_plan *p = &w->f->plan.v[id].loop;
	CXCursor cond = p->lp.cond, incr = p->lp.incr, body = p->lp.body;
	bool inner = p->lp.fd.call || p->lp.fd.loop || p->lp.fd.slow;
	enum poll_at at = p->at = poll_place(w->f, &p->lp);
	bool copied;

	w->depth++;
	version_guard(w->f, &p->lp, at, w->depth == 1 && !w->short_depth, &p->guard);
	/*
	 * A loop in a copied one is copied with it; a guarded loop's copy
	 * would be entered only when it runs long: not worth the size.
	 */
	copied = p->copied = !p->guard.on && !w->copying && clonable(s, &p->lp.fd);
	w->copying |= copied;
	/* p moves as the walk plans what is inside */
	if (at == POLL_HEAD)
		push_head(w, s);
	if (inner && !clang_Cursor_isNull(cond))
		plan_expr(w, cond);
	if (inner && !clang_Cursor_isNull(incr))
		plan_expr(w, incr);
	plan_stmt(w, body);
	if (at == POLL_HEAD)
		w->nheads--;
	w->copying &= !copied;
	w->depth--;
}

/* A loop (emit_loop()): its kind, decided where it is; its for-init before it. */
static void plan_loop(struct planner *w, CXCursor s)
{
	unsigned id = plan_add(&w->f->plan, s);
	struct loop_plan *p = &w->f->plan.v[id].loop;
	CXCursor init, body;

	loop_parts(w->f, s, &p->lp);
	p->kind = loop_kind(w->f, &p->lp, w->depth);
	init = p->lp.init;
	body = p->lp.body;
	if (!clang_Cursor_isNull(init)) {
		if (clang_getCursorKind(init) == CXCursor_DeclStmt)
			plan_stmt(w, init);
		else
			plan_expr(w, init);
	}
	switch (w->f->plan.v[id].loop.kind) {
	case LOOP_ONCE:
		plan_stmt(w, body);
		break;
	case LOOP_SHORT:
		w->short_depth++;
		plan_stmt(w, body);
		w->short_depth--;
		break;
	case LOOP_COUNTED:
		w->depth++;
		plan_stmt(w, body);
		w->depth--;
		break;
	case LOOP_POLLED:
		plan_polled(w, s, id);
		break;
	}
}

/* A goto: a backward one may need an update point (goto_polls()). */
static void plan_goto(struct planner *w, CXCursor s)
{
	CXCursor target = clang_getCursorReferenced(s);
	unsigned id = plan_add(&w->f->plan, s);

	w->f->plan.v[id].polls = !clang_Cursor_isNull(target) && cur_beg(target) < cur_beg(s) &&
				 goto_polls(target, w->heads, w->nheads);
}

/* What emit_stmt() prints of s as code of its own. */
static void plan_stmt(struct planner *w, CXCursor s)
{
	CXCursor *kids;
	unsigned n = get_kids(s, &kids);

	switch (clang_getCursorKind(s)) {
	case CXCursor_CompoundStmt:
		for (unsigned i = 0; i < n; i++)
			plan_stmt(w, kids[i]);
		break;
	case CXCursor_DeclStmt:
		plan_decl(w, s);
		break;
	case CXCursor_IfStmt:
		plan_expr(w, kids[0]);
		plan_stmt(w, kids[1]);
		if (n > 2)
			plan_stmt(w, kids[2]);
		break;
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_DoStmt:
		plan_loop(w, s);
		break;
	case CXCursor_SwitchStmt:
		plan_expr(w, kids[0]);
		plan_stmt(w, kids[n - 1]);
		break;
	case CXCursor_CaseStmt:
	case CXCursor_DefaultStmt:
		plan_stmt(w, kids[n - 1]);
		break;
	case CXCursor_LabelStmt:
		if (n)
			plan_stmt(w, kids[n - 1]);
		break;
	case CXCursor_GotoStmt:
		plan_goto(w, s);
		break;
	case CXCursor_ReturnStmt:
		if (n)
			plan_expr(w, kids[0]);
		break;
	case CXCursor_GCCAsmStmt:
		plan_exprs(w, kids, n);
		break;
	default:
		if (is_expr(s))
			plan_expr(w, s);
		break;
	}
	free(kids);
}

void plan_function(struct fctx *f, CXCursor body)
{
	struct planner w = { .f = f };

	plan_stmt(&w, body);
	free(w.heads);
}

void plan_free(struct plan *p)
{
	free(p->v);
	free(p->slot);
}

/* The plan of loop s, which the walk must have reached as the printer does. */
void planned_loop(struct fctx *f, CXCursor s, struct loop_plan *lp)
{
	struct planned *p = planned(&f->plan, s);

	if (p) {
		*lp = p->loop;
		return;
	}
	diag(f->t, s, "error", "instrumentor bug: a loop not planned");
	memset(lp, 0, sizeof(*lp));
	loop_parts(f, s, &lp->lp);
	lp->kind = LOOP_ONCE;
}

/* Does goto s have an update point of its own? */
bool planned_goto_polls(struct fctx *f, CXCursor s)
{
	struct planned *p = planned(&f->plan, s);

	if (!p)
		diag(f->t, s, "error", "instrumentor bug: a goto not planned");
	return p && p->polls;
}
