// SPDX-License-Identifier: GPL-2.0
/*
 * Liveness of a local at a loop's update point, conservatively.
 *
 * A local is dead at the update point at the head of a loop when its value
 * there is never read: every reference to it in the function is in the
 * loop's body, and within one pass over the body every read of it is
 * preceded by a write that covers what is read.  Writes and reads are
 * tracked by access path: the variable, then constant subscripts and "."
 * members ("scratch[3].r"); a write of a path covers the reads of that path
 * and of the paths below it.  Only writes made on every path count: those
 * in a branch of an if, ?:, && or ||, or in a nested loop or switch, do not.
 * Anything the scan does not understand (a subscript that is not a
 * constant, the address of the variable, the variable passed whole, a
 * label inside the body) makes the local live.
 *
 * From the update point, control goes into the body (the condition and the
 * increment do not mention the local) or leaves the loop (nothing after it
 * mentions the local): so a dead local need not be saved there, and what
 * the rebuild restores into it is overwritten before it is read.
 */
#include <stdlib.h>
#include <string.h>

#include "live.h"

struct scan {
	CXCursor var;
	char **defs;
	unsigned ndefs;
	int cond_depth;		/* > 0: writes here happen on some paths only */
	bool fail;
};

/* The access path of e if it is rooted at var: "", "[3]", "[3].r". */
static bool path_of(CXCursor e, CXCursor var, struct sb *p)
{
	enum CXCursorKind k;
	CXCursor *kids;
	unsigned n;
	bool ok = false;

	e = strip_implicit(e);
	k = clang_getCursorKind(e);
	if (k == CXCursor_DeclRefExpr)
		return clang_equalCursors(clang_getCursorReferenced(e), var);
	if (k != CXCursor_ArraySubscriptExpr && k != CXCursor_MemberRefExpr)
		return false;
	n = get_kids(e, &kids);
	if (k == CXCursor_ArraySubscriptExpr && n == 2) {
		CXType bt = clang_getCursorType(strip_implicit(kids[0]));
		CXEvalResult r;

		/* the base must be the array itself, not a pointer */
		if (clang_getCanonicalType(bt).kind == CXType_ConstantArray &&
		    path_of(kids[0], var, p)) {
			r = clang_Cursor_Evaluate(kids[1]);
			if (r && clang_EvalResult_getKind(r) == CXEval_Int) {
				sb_printf(p, "[%lld]", clang_EvalResult_getAsLongLong(r));
				ok = true;
			}
			if (r)
				clang_EvalResult_dispose(r);
		}
	} else if (k == CXCursor_MemberRefExpr && n == 1) {
		CXType bt = clang_getCanonicalType(clang_getCursorType(strip_implicit(kids[0])));

		if (bt.kind == CXType_Record && path_of(kids[0], var, p)) {
			char *m = cur_spelling(e);

			sb_printf(p, ".%s", m);
			free(m);
			ok = true;
		}
	}
	free(kids);
	return ok;
}

static bool prefix_covers(const char *d, const char *p);

static bool covered(struct scan *s, const char *p)
{
	for (unsigned i = 0; i < s->ndefs; i++)
		if (prefix_covers(s->defs[i], p))
			return true;
	return false;
}

static void read_path(struct scan *s, const char *p)
{
	if (!covered(s, p))
		s->fail = true;
}

static void def_path(struct scan *s, const char *p)
{
	if (s->cond_depth || covered(s, p))
		return;
	s->defs = xrealloc(s->defs, (s->ndefs + 1) * sizeof(*s->defs));
	s->defs[s->ndefs++] = xstrdup(p);
}

static void scan(struct scan *s, CXCursor c);

static enum CXChildVisitResult jump_visit(CXCursor c, CXCursor p, CXClientData d)
{
	enum CXCursorKind k = clang_getCursorKind(c);

	(void)p;
	if (k == CXCursor_BreakStmt || k == CXCursor_ContinueStmt || k == CXCursor_GotoStmt ||
	    k == CXCursor_ReturnStmt || k == CXCursor_IndirectGotoStmt) {
		*(bool *)d = true;
		return CXChildVisit_Break;
	}
	return CXChildVisit_Recurse;
}

/* Whether a statement holds a jump that can skip the rest of it. */
static bool has_jump(CXCursor c)
{
	bool r = false;

	clang_visitChildren(c, jump_visit, &r);
	return r;
}

static void scan_kids(struct scan *s, CXCursor c, unsigned from, bool cond)
{
	CXCursor *kids;
	unsigned n = get_kids(c, &kids);

	for (unsigned i = 0; i < n && !s->fail; i++) {
		if (cond && i == from)
			s->cond_depth++;
		scan(s, kids[i]);
	}
	if (cond && from < n)
		s->cond_depth--;
	free(kids);
}

/* Scan an assignment's operands: the left one is written (and read if compound). */
static void scan_assign(struct scan *s, CXCursor c, bool compound)
{
	CXCursor *kids;
	unsigned n = get_kids(c, &kids);
	struct sb p = { 0 };

	if (n != 2) {
		free(kids);
		scan_kids(s, c, 0, false);
		return;
	}
	scan(s, kids[1]);
	if (!s->fail && path_of(kids[0], s->var, &p)) {
		if (compound)
			read_path(s, p.s ? p.s : "");
		def_path(s, p.s ? p.s : "");
	} else if (!s->fail) {
		scan(s, kids[0]);
	}
	free(p.s);
	free(kids);
}

static bool prefix_covers(const char *d, const char *p)
{
	size_t l = strlen(d);

	return !strncmp(p, d, l) && (!p[l] || p[l] == '[' || p[l] == '.');
}

static bool any_covers(char **v, unsigned n, const char *p)
{
	for (unsigned i = 0; i < n; i++)
		if (prefix_covers(v[i], p))
			return true;
	return false;
}

/*
 * An if with an else and no jump in its branches: what both branches
 * write counts (a path one writes and the other covers).  Each branch is
 * scanned with the writes made before the if only.
 */
static void scan_if(struct scan *s, CXCursor c)
{
	CXCursor *kids;
	unsigned n = get_kids(c, &kids), base, nthen, nelse;
	char **then, **els;

	if (n != 3 || s->cond_depth || has_jump(kids[1]) || has_jump(kids[2])) {
		free(kids);
		scan_kids(s, c, 1, true);
		return;
	}
	scan(s, kids[0]);
	base = s->ndefs;
	scan(s, kids[1]);
	nthen = s->ndefs - base;
	then = xrealloc(NULL, (nthen + 1) * sizeof(*then));
	memcpy(then, s->defs + base, nthen * sizeof(*then));
	s->ndefs = base;
	scan(s, kids[2]);
	free(kids);
	nelse = s->ndefs - base;
	els = xrealloc(NULL, (nelse + 1) * sizeof(*els));
	memcpy(els, s->defs + base, nelse * sizeof(*els));
	s->ndefs = base;
	for (unsigned i = 0; i < nthen; i++)
		if (any_covers(els, nelse, then[i]))
			def_path(s, then[i]);
	for (unsigned i = 0; i < nelse; i++)
		if (any_covers(then, nthen, els[i]))
			def_path(s, els[i]);
	for (unsigned i = 0; i < nthen; i++)
		free(then[i]);
	for (unsigned i = 0; i < nelse; i++)
		free(els[i]);
	free(then);
	free(els);
}

static void scan(struct scan *s, CXCursor c)
{
	enum CXCursorKind k = clang_getCursorKind(c);
	struct sb p = { 0 };

	if (s->fail)
		return;
	if (is_expr(c) && path_of(c, s->var, &p)) {
		read_path(s, p.s ? p.s : "");
		free(p.s);
		return;
	}
	free(p.s);
	switch (k) {
	case CXCursor_LabelStmt:
	case CXCursor_AsmStmt:
	case CXCursor_MSAsmStmt:
	case CXCursor_IndirectGotoStmt:
	case CXCursor_AddrLabelExpr:
		s->fail = true;
		return;
	case CXCursor_BinaryOperator:
		switch (clang_getCursorBinaryOperatorKind(c)) {
		case CXBinaryOperator_Assign:
			scan_assign(s, c, false);
			return;
		case CXBinaryOperator_LAnd:
		case CXBinaryOperator_LOr:
			scan_kids(s, c, 1, true);
			return;
		default:
			scan_kids(s, c, 0, false);
			return;
		}
	case CXCursor_CompoundAssignOperator:
		scan_assign(s, c, true);
		return;
	case CXCursor_UnaryOperator: {
		enum CXUnaryOperatorKind u = clang_getCursorUnaryOperatorKind(c);
		CXCursor *kids;
		unsigned n = get_kids(c, &kids);
		struct sb q = { 0 };
		bool on_var = n == 1 && path_of(kids[0], s->var, &q);

		free(kids);
		free(q.s);
		if (on_var && (u == CXUnaryOperator_AddrOf || u == CXUnaryOperator_Real ||
			       u == CXUnaryOperator_Imag)) {
			s->fail = true;
			return;
		}
		/* ++ and -- read what they write: the read is checked */
		scan_kids(s, c, 0, false);
		return;
	}
	case CXCursor_ConditionalOperator:
		scan_kids(s, c, 1, true);
		return;
	case CXCursor_IfStmt:
		scan_if(s, c);
		return;
	case CXCursor_DoStmt:
		/*
		 * The body of a do-while runs at least once, in the same
		 * order every time: unless a break or continue cuts it short
		 * (the do { ... } while (0) of a macro), its writes count.
		 */
		if (!has_jump(c)) {
			scan_kids(s, c, 0, false);
			return;
		}
		scan_kids(s, c, 0, true);
		return;
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_SwitchStmt:
		scan_kids(s, c, 0, true);
		return;
	case CXCursor_VarDecl:
		scan_kids(s, c, 0, false);
		if (clang_equalCursors(c, s->var))
			s->fail = true;	/* declared in the body: not ours */
		return;
	case CXCursor_CompoundStmt:
	case CXCursor_DeclStmt:
	case CXCursor_ReturnStmt:
	case CXCursor_NullStmt:
	case CXCursor_BreakStmt:
	case CXCursor_ContinueStmt:
	case CXCursor_GotoStmt:
	case CXCursor_CallExpr:
	case CXCursor_ParenExpr:
	case CXCursor_CStyleCastExpr:
	case CXCursor_ArraySubscriptExpr:
	case CXCursor_MemberRefExpr:
	case CXCursor_DeclRefExpr:
	case CXCursor_IntegerLiteral:
	case CXCursor_FloatingLiteral:
	case CXCursor_CharacterLiteral:
	case CXCursor_StringLiteral:
	case CXCursor_TypeRef:
		scan_kids(s, c, 0, false);
		return;
	default:
		/*
		 * What may leave a part unevaluated or evaluate it on some
		 * paths only (sizeof, GNU ?:, _Generic, __builtin_choose_expr,
		 * an initializer list's overridden initializers, what libclang
		 * does not expose): its reads count, its writes do not.
		 */
		scan_kids(s, c, 0, true);
		return;
	}
}

struct live_refs {
	struct ref_range {
		CXCursor var;
		unsigned hash, lo, hi;
		bool used;
	} *slot;
	unsigned cap, n;	/* open addressing, cap a power of two */
};

static struct ref_range *ref_slot(struct ref_range *slot, unsigned cap, CXCursor var,
				  unsigned hash)
{
	unsigned i = hash & (cap - 1);

	while (slot[i].used && (slot[i].hash != hash || !clang_equalCursors(slot[i].var, var)))
		i = (i + 1) & (cap - 1);
	return &slot[i];
}

static enum CXChildVisitResult refs_visit(CXCursor c, CXCursor p, CXClientData d)
{
	struct live_refs *r = d;
	struct ref_range *e;
	CXCursor var;
	unsigned off, hash;

	(void)p;
	if (clang_getCursorKind(c) != CXCursor_DeclRefExpr)
		return CXChildVisit_Recurse;
	var = clang_getCursorReferenced(c);
	if (clang_getCursorKind(var) != CXCursor_VarDecl &&
	    clang_getCursorKind(var) != CXCursor_ParmDecl)
		return CXChildVisit_Continue;
	if (2 * (r->n + 1) > r->cap) {
		unsigned cap = r->cap ? 2 * r->cap : 64;
		struct ref_range *slot = xrealloc(NULL, cap * sizeof(*slot));

		memset(slot, 0, cap * sizeof(*slot));
		for (unsigned i = 0; i < r->cap; i++)
			if (r->slot[i].used)
				*ref_slot(slot, cap, r->slot[i].var, r->slot[i].hash) = r->slot[i];
		free(r->slot);
		r->slot = slot;
		r->cap = cap;
	}
	off = cur_beg(c);
	hash = clang_hashCursor(var);
	e = ref_slot(r->slot, r->cap, var, hash);
	if (!e->used) {
		*e = (struct ref_range){ var, hash, off, off, true };
		r->n++;
	} else if (off < e->lo) {
		e->lo = off;
	} else if (off > e->hi) {
		e->hi = off;
	}
	return CXChildVisit_Continue;
}

struct live_refs *live_refs_new(CXCursor fn)
{
	struct live_refs *r = xrealloc(NULL, sizeof(*r));

	*r = (struct live_refs){ 0 };
	clang_visitChildren(fn, refs_visit, r);
	return r;
}

void live_refs_range(const struct live_refs *r, CXCursor var, unsigned *lo, unsigned *hi)
{
	const struct ref_range *e;

	*lo = ~0u;
	*hi = 0;
	if (!r->cap)
		return;
	e = ref_slot(r->slot, r->cap, var, clang_hashCursor(var));
	if (e->used) {
		*lo = e->lo;
		*hi = e->hi;
	}
}

void live_refs_free(struct live_refs *r)
{
	if (r)
		free(r->slot);
	free(r);
}

bool live_dead_at_loop_head(CXCursor body, CXCursor var, unsigned lo, unsigned hi)
{
	struct scan s = { .var = var };

	/* a reference outside the body: live (read after the loop, or before) */
	if (lo <= hi && (lo < cur_beg(body) || hi >= cur_end(body)))
		return false;
	scan(&s, body);
	for (unsigned i = 0; i < s.ndefs; i++)
		free(s.defs[i]);
	free(s.defs);
	return !s.fail;
}
