// SPDX-License-Identifier: GPL-2.0
/*
 * The frame record's contents as the printer goes: locals and temporaries,
 * continuation points with their keys, the locals dead at each, and the
 * update points and unwind checks that save the frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

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

struct local *add_local(struct fctx *f, const char *name, const char *orig, CXType t,
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

	if (is_array_or_function(t) || strstr(s, "struct __va_list_tag")) {
		/*
		 * the conditional operator decays arrays and functions to
		 * pointers; and va_list's record, spelled, names a new one
		 * (a pointer to a function with a va_list parameter)
		 */
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

/* A temporary, declared at function scope; in a loop's copy, the first print's. */
char *new_temp(struct fctx *f, CXCursor e)
{
	char name[32], *ty;

	snprintf(name, sizeof(name), "__us_t%u", ++f->frame.ntemps);
	if (f->nest.copy)
		return xstrdup(name);
	ty = temp_type(f, e);
	sb_printf(&f->text.decls, "%s %s;\n", ty, name);
	free(ty);
	add_local(f, name, name, clang_getCursorType(e), "temp")->temp = f->frame.ntemps;
	return xstrdup(name);
}

/* A continuation point; in a loop's copy, the first print's (the same saves, the same key). */
unsigned new_cp(struct fctx *f, const char *key_base, unsigned line, const char *kind)
{
	struct sb key = { 0 };
	unsigned i;

	if (f->nest.copy)
		return f->nest.copy_cp++;

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
	f->frame.cps[f->frame.ncps] = (struct cp){
		key.s, line, kind, f->nest.stmt_temp_base, f->frame.ntemps,
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
void emit_unwind(struct fctx *f, unsigned id)
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
unsigned push_hop(struct fctx *f)
{
	if (f->nest.nhops_open == (int)(sizeof(f->nest.hops_open) / sizeof(f->nest.hops_open[0]))) {
		diag(f->t, f->fi->cur, "error", "loops nested too deeply");
		return 0;
	}
	f->nest.hops_open[f->nest.nhops_open++] = ++f->frame.nhops;
	return f->frame.nhops;
}

/*
 * An update point: poll, and save the frame if the thread must unwind.
 * body: the body of the loop whose update point this is (the innermost
 * open hop loop), or a null cursor for an update point at a backward goto.
 * head: the point is the loop's head (else its latch, or a goto).
 */
void emit_poll(struct fctx *f, const char *key, unsigned line, const char *kind,
	       CXCursor body, bool head)
{
	unsigned id = new_cp(f, key, line, kind);
	const char *r = label_sfx(f);

	if (!clang_Cursor_isNull(body) && !f->nest.copy)
		dead_at_loop_head(f, &f->frame.cps[id], body);
	if (f->t->o->records) {
		/* one call: it saves the frame from its record (records.c) */
		if (head)
			out(f, "__us_h%u%s: if (__builtin_expect(__US_PENDING, 0)) { __US_HOP%s_%s_%u ",
			    f->nest.hops_open[f->nest.nhops_open - 1], r, f->nest.copy ? "R" : "",
			    f->fi->ename, f->nest.hops_open[f->nest.nhops_open - 1]);
		else
			out(f, "if (__builtin_expect(__US_PENDING, 0)) { ");
		out(f, "if (__upstare_rec_poll(&__us_fd_%1$s, %2$uU __US_REC_%1$s_%2$u)) "
		       "goto __us_save_ret; }\n__us_l%2$u%3$s: ;\n", f->fi->ename, id, r);
		return;
	}
	if (head) {
		unsigned h = f->nest.hops_open[f->nest.nhops_open - 1];

		/* the loop's head: hops, then __upstare_poll_save, in the cold path */
		out(f, "__us_h%u%s: if (__builtin_expect(__US_PENDING, 0)) { __US_HOP%s_%s_%u "
		       "if ((__us_fr = (char *)__upstare_poll_save(&__us_fd_%s, %u))) ", h, r,
		    f->nest.copy ? "R" : "", f->fi->ename, h, f->fi->ename, id);
		emit_unwind(f, id);
		out(f, "}\n__us_l%u%s: ;\n", id, r);
		return;
	}
	/* __upstare_poll_save returns the new frame record when unwinding */
	out(f, "if (__builtin_expect(__US_PENDING, 0) && "
	       "(__us_fr = (char *)__upstare_poll_save(&__us_fd_%s, %u))) ", f->fi->ename, id);
	emit_unwind(f, id);
	out(f, "__us_l%u%s: ;\n", id, r);
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
void dead_after_call(struct fctx *f, struct cp *c)
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

/*
 * The function's parameters as the arguments of a call to itself.  An
 * unnamed parameter is never read: a zero of its type stands for it.
 */
void param_args(struct fninfo *fi, struct sb *o)
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
