// SPDX-License-Identifier: GPL-2.0
/*
 * What evaluating an expression involves, for the printer to decide how to
 * print it, printing nothing itself.
 *
 * work() says whether an expression needs linearization: whether it holds
 * a hoistable call or a loop where it is evaluated (not in sizeof, the
 * controlling expression of _Generic, the operand __builtin_choose_expr
 * does not choose...).  The rest say which values cannot change before a
 * later call (no temporary needed for them), and in what order clang
 * evaluates an initializer list's initializers.
 */
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "emit.h"

/* GNU "a ?: b": an UnexposedExpr whose first child is followed by "?" ":". */
bool is_gnu_cond(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
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
unsigned chosen_operand(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n)
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
unsigned distinct_kids(CXCursor e, CXCursor **out)
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
bool transparent_union_arg(CXCursor e, CXCursor *in)
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
bool work(struct fctx *f, CXCursor e)
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

bool is_scalar_type(CXType t)
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
bool addr_taken(struct fctx *f, CXCursor decl)
{
	return usr_listed(f->fi->addr_any_usrs, f->fi->naddr_any, decl);
}

/*
 * Its address may be kept anywhere (analyze.c): on the side stack, or
 * relocated when it is a parameter.
 */
bool addr_kept(struct fctx *f, CXCursor decl)
{
	return usr_listed(f->fi->addr_usrs, f->fi->naddr, decl);
}

/*
 * A local whose value cannot change between a continuation label and the
 * call after it: evaluating it again when the call is re-issued on rebuild
 * gives the same value.
 */
bool is_stable_local(struct fctx *f, CXCursor e)
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

/*
 * An array inside an object of this frame (or a global), reached by "."
 * and constant subscripts only: "s.name", "mk().buf", "a[2].tag".  Its
 * address cannot change before a later call, except by the frame being
 * rebuilt elsewhere; evaluated again after the call it follows the frame,
 * where a pointer captured before the call would be left pointing into
 * the old one.
 */
bool is_frame_array(CXCursor e)
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
bool is_frame_offset(struct fctx *f, CXCursor e)
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

/* A goto that may jump back in the source: to an earlier label, or computed. */
bool is_back_goto(CXCursor c)
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

/*
 * clang evaluates the initializers of an aggregate in the order of the
 * subobjects they initialize (members in declaration order, elements by
 * index), not in source order, and never evaluates one that a later
 * designator overrides or that is in excess.  To hoist calls in the same
 * order, each initializer's subobject is found by the rules of C11 6.7.9
 * (designators, brace elision, the current object) and given as a bit
 * range of the whole object.
 */
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
 * The initializers of list in clang's order (*v, *n, to be freed), each
 * marked dead when it is never evaluated; false when the subobjects
 * cannot be worked out (then source order stands).
 */
bool init_order(struct fctx *f, CXCursor list, struct ileaf **v, unsigned *n)
{
	struct iwalk w = { .f = f };

	walk_list(&w, list, clang_getCursorType(list), 0);
	if (w.fail) {
		free(w.v);
		return false;
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
	*v = w.v;
	*n = w.n;
	return true;
}

/*
 * A declaration statement's variables (its children kids, at most
 * DECL_VARS_MAX), and whether it declares statics, externs, or functions
 * or static assertions.  emit_decl_stmt() evaluates the initializers in
 * place only when it declares none of those.
 */
unsigned decl_vars(CXCursor *kids, unsigned n, CXCursor *vars, struct decl_kinds *dk)
{
	unsigned nv = 0;

	*dk = (struct decl_kinds){ false, false, false, n > 0 };
	for (unsigned i = 0; i < n; i++) {
		enum CXCursorKind k = clang_getCursorKind(kids[i]);
		enum CX_StorageClass sc = k == CXCursor_VarDecl ?
					  clang_Cursor_getStorageClass(kids[i]) : CX_SC_Invalid;

		dk->linkage_only &= k == CXCursor_FunctionDecl || sc == CX_SC_Extern;
		if (k == CXCursor_VarDecl && nv < DECL_VARS_MAX) {
			vars[nv++] = kids[i];
			dk->has_static |= sc == CX_SC_Static;
			dk->has_extern |= sc == CX_SC_Extern;
		} else if (k == CXCursor_FunctionDecl || k == CXCursor_StaticAssert) {
			dk->has_other = true;
		}
	}
	return nv;
}
