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
 * clone, except for the small functions given a rebuild entry (below),
 * whose restore moves to a copy so that the function itself has none.
 *
 * This file assembles the function from what the printer's other files
 * (emit.h lists them) made of its body.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"

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
 * How the stores of a save are written: as code (the save blocks below,
 * --no-records) or as the arguments of a record (emit_records()).  Both
 * take the same stores from the same functions.
 */
struct saver {
	/* size bytes at &what to offset off of the frame record */
	void (*mem)(struct sb *o, unsigned long off, long long size, const char *what);
	/* the pointer amp v (amp "&" or "") to offset off */
	void (*ptr)(struct sb *o, unsigned long off, const char *amp, const char *v);
};

static void code_mem(struct sb *o, unsigned long off, long long size, const char *what)
{
	sb_printf(o, "__builtin_memcpy(__us_fr + %lu, &%s, %lld);\n", off, what, size);
}

static void code_ptr(struct sb *o, unsigned long off, const char *amp, const char *v)
{
	sb_printf(o, "*(void **)(__us_fr + %lu) = (void *)%s%s;\n", off, amp, v);
}

static void rec_mem(struct sb *o, unsigned long off, long long size, const char *what)
{
	if (size > 0)
		sb_printf(o, ", %luL, %lldL, (void *)&%s", off, size, what);
}

static void rec_ptr(struct sb *o, unsigned long off, const char *amp, const char *v)
{
	sb_printf(o, ", %luL, -1L, (void *)%s%s", off, amp, v);
}

static const struct saver as_code = { code_mem, code_ptr }, as_record = { rec_mem, rec_ptr };

/* Local l, and where it lives if its address is taken. */
static void save_local(const struct saver *s, struct sb *o, const struct local *l)
{
	s->mem(o, l->off, l->size, l->name);
	if (l->addr_taken)
		s->ptr(o, l->addr_off, "&", l->name);
}

/*
 * Where each side-stack local's block is: always recorded, even where the
 * local is dead, since the rebuilt frame takes the same block back.
 */
static void save_shadows(const struct saver *s, struct fctx *f, struct sb *o)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++)
		if (f->frame.locals[i].shadow)
			s->ptr(o, f->frame.locals[i].addr_off, "", f->frame.locals[i].sp);
}

/* The locals declared in block scope sc, whose address is not taken. */
static void save_scope(const struct saver *s, struct fctx *f, struct sb *o, unsigned sc)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (!l->temp && l->scope == sc && !l->addr_taken)
			s->mem(o, l->off, l->size, l->name);
	}
}

/* The parameters, the function-scope locals, every address-taken local, the side stack. */
static void save_function(const struct saver *s, struct fctx *f, struct sb *o)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (!l->temp && (!l->scope || l->addr_taken))
			save_local(s, o, l);
	}
	save_shadows(s, f, o);
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
 * At a continuation point where some locals are dead: what the block-scope
 * chain from it saves, but the dead locals' slots are left undefined, and
 * a dead address-taken local's old address is recorded as NULL (nothing
 * points into it: the rebuild relocates nothing to it).
 */
static void save_point(const struct saver *s, struct fctx *f, struct sb *o, struct cp *c)
{
	for (unsigned i = 0; i < f->frame.nlocals; i++) {
		struct local *l = &f->frame.locals[i];

		if (l->temp || (l->scope && !l->addr_taken && !in_scope_chain(f, c->scope, l->scope)))
			continue;
		if (!is_dead_at(c, i))
			save_local(s, o, l);
		else if (l->addr_taken)
			s->ptr(o, l->addr_off, "", "0");
	}
	save_shadows(s, f, o);
}

static void emit_save_return(struct fctx *f, struct sb *o);

/*
 * Records (the default; --no-records gives the save blocks below): what
 * the save code of point id would store, as the macro __US_REC_<f>_<id>:
 * the trailing arguments of the call that saves there (__upstare_rec(),
 * __upstare_rec_unwind() or __upstare_rec_poll()), which records.c makes
 * a statepoint calling the runtime, which copies the values from where the
 * compiler keeps them (userlib/records.c).  The same stores as
 * emit_unwind() and the save blocks make: the temporaries live at the
 * point, the locals of the block scopes around it, then save_function();
 * or, at a point with dead locals, save_point().
 */
static void emit_records(struct fctx *f, struct sb *o)
{
	for (unsigned id = 0; id < f->frame.ncps; id++) {
		struct cp *c = &f->frame.cps[id];

		sb_printf(o, "#define __US_REC_%s_%u", f->fi->ename, id);
		for (unsigned i = 0; i < f->frame.nlocals; i++) {
			struct local *l = &f->frame.locals[i];

			if (l->temp > c->tlo && l->temp <= c->thi)
				rec_mem(o, l->off, l->size, l->name);
		}
		if (c->ndead) {
			save_point(&as_record, f, o, c);
		} else {
			for (unsigned sc = c->scope; sc; sc = f->frame.scope_parent[sc])
				save_scope(&as_record, f, o, sc);
			save_function(&as_record, f, o);
		}
		sb_puts(o, "\n");
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
 * is left as it was.  A point with dead locals has a block of its own,
 * __us_save_pN (save_point()).
 */
static void emit_save_block(struct fctx *f, struct sb *o)
{
	sb_puts(o, "if (0) {\n");
	if (f->t->o->records) {
		sb_puts(o, "__us_save_ret: ;\n");
		emit_save_return(f, o);
		sb_puts(o, "}\n");
		return;
	}
	for (unsigned sc = f->frame.nscopes; sc >= 1; sc--) {
		unsigned parent = f->frame.scope_parent[sc];

		sb_printf(o, "__us_save_s%u: ;\n", sc);
		save_scope(&as_code, f, o, sc);
		if (parent)
			sb_printf(o, "goto __us_save_s%u;\n", parent);
		else
			sb_puts(o, "goto __us_save;\n");
	}
	sb_puts(o, "__us_save: ;\n");
	save_function(&as_code, f, o);
	sb_puts(o, "__us_save_ret: ;\n");
	emit_save_return(f, o);
	for (unsigned id = 0; id < f->frame.ncps; id++)
		if (f->frame.cps[id].ndead) {
			sb_printf(o, "__us_save_p%u: ;\n", id);
			save_point(&as_code, f, o, &f->frame.cps[id]);
			sb_puts(o, "goto __us_save_ret;\n");
		}
	sb_puts(o, "}\n");
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
		  registered ? "(void *)" : "0", registered ? e : "", !f->fi->quiet, size,
		  f->frame.nlocals, f->frame.ncps, f->frame.nlocals ? "__us_lc_" : "0",
		  f->frame.nlocals ? e : "", e, f->frame.nscopes,
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

/*
 * Rebuild entries.  A function given one is emitted twice: as
 * __us_rb_NAME, a static copy with the restore at entry (what every
 * function is without one), and as NAME, without the restore: while an
 * update is pending its entry hands the call to the copy, a tail call
 * ("musttail return __us_rb_NAME(params)"), and the hops in its loops are
 * empty.
 * Every call, ordinary or rebuilding a frame, that finds an update pending
 * runs the copy, which behaves as the function always did; NAME itself
 * never restores a frame.  Its entry test needs no frame (the tail call
 * uses no callee-saved register), so the compiler shrink-wraps NAME's
 * prologue and inlines NAME as it would the plain function: the restore
 * kept both from happening (framemaps.rst, "What the restore costs").
 * The price is the copy's code (placed cold) and the inlined copies of
 * NAME, so by default (--rebuild-entries=small) only the functions where
 * the restore costs most against their size get one: those of at most
 * RB_SMALL_STMTS statements (instrumentor.rst, "Rebuild entries", has
 * the measurements).
 * Functions whose header the copy cannot repeat keep the restore at
 * entry: variadic and old-style definitions (and "f()"), attributes and
 * asm labels, main, non-static inline definitions (C99 inline semantics),
 * any that names __func__ (the copy's would be its own name), any with a
 * parameter passed in memory (a struct, a long double: clang 19
 * miscompiles a musttail call that passes one on, at every level), and
 * any with a variably modified parameter (int m[n][n]).
 */
#define RB_SMALL_STMTS 10

static unsigned count_stmts(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		if (*s == ';')
			n++;
	return n;
}

static bool rb_wanted(struct fctx *f)
{
	switch (f->t->o->rebuild_entries) {
	case RB_ALL:
		return true;
	case RB_SMALL:
		return count_stmts(f->text.body.s) <= RB_SMALL_STMTS;
	default:
		return false;
	}
}

/* int (*)[n]: two such types are never the same one, for musttail too */
static bool variably_modified(CXType t)
{
	for (;;) {
		t = clang_getCanonicalType(t);
		if (t.kind == CXType_VariableArray)
			return true;
		if (t.kind == CXType_Pointer)
			t = clang_getPointeeType(t);
		else if (t.kind == CXType_ConstantArray || t.kind == CXType_IncompleteArray)
			t = clang_getArrayElementType(t);
		else
			return false;
	}
}

/*
 * The copy's header: the definition's, with the storage classes before
 * the name left out and the name changed, after "static".  false when it
 * cannot be repeated.
 */
static bool rb_header(struct fctx *f, unsigned bb, struct sb *o)
{
	struct fninfo *fi = f->fi;
	CXType ft = clang_getCursorType(fi->cur);
	unsigned name = loc_off(clang_getCursorLocation(fi->cur)), beg = cur_beg(fi->cur);
	static const char *const storage_skip[] = { "static", "extern", "register", "auto", NULL };
	struct tok *v;
	unsigned n, name_end = 0;
	bool ok = true;

	if (fi->is_main || (fi->is_inline && !fi->is_static) || ft.kind != CXType_FunctionProto ||
	    clang_isFunctionTypeVariadic(ft))
		return false;
	for (int a = 0; a < clang_Cursor_getNumArguments(fi->cur); a++) {
		CXCursor p = clang_Cursor_getArgument(fi->cur, a);
		enum CXTypeKind k = clang_getCanonicalType(clang_getCursorType(p)).kind;
		char *pn = cur_spelling(p);

		/*
		 * Not a parameter passed in memory: clang 19 miscompiles a
		 * musttail call that passes one on (byval), at every level.
		 */
		ok &= *pn != 0 && !variably_modified(clang_getCursorType(p)) &&
		      k != CXType_Record && k != CXType_LongDouble &&
		      k != CXType_Complex && k != CXType_Float128 && k != CXType_Vector &&
		      k != CXType_ExtVector;
		free(pn);
	}
	/* the copy's __func__ would be its own name */
	n = tokens_in(f->t, bb, cur_end(fi->cur), &v);
	for (unsigned i = 0; i < n && ok; i++)
		ok = strcmp(v[i].s, "__func__") && strcmp(v[i].s, "__FUNCTION__") &&
		     strcmp(v[i].s, "__PRETTY_FUNCTION__");
	tokens_free(v, n);
	if (!ok)
		return false;
	n = tokens_in(f->t, beg, bb, &v);
	for (unsigned i = 0; i < n && ok; i++) {
		const char *s = v[i].s;

		if (!strcmp(s, "__attribute__") || !strcmp(s, "__attribute") ||
		    !strcmp(s, "asm") || !strcmp(s, "__asm") || !strcmp(s, "__asm__") ||
		    !strcmp(s, "__declspec") ||
		    (!strcmp(s, "[") && i + 1 < n && !strcmp(v[i + 1].s, "["))) {
			ok = false;
		} else if (v[i].beg == name && !strcmp(s, fi->name)) {
			/* "f()" declares no prototype, which musttail needs */
			ok = !(i + 2 < n && !strcmp(v[i + 1].s, "(") && !strcmp(v[i + 2].s, ")"));
			name_end = v[i].end;
		}
	}
	tokens_free(v, n);
	if (!ok || !name_end)
		return false;
	sb_puts(o, "static __attribute__((noinline, unused, cold, section(\".text.unlikely.upstare\"))) ");
	copy_skipping(f, o, beg, name, storage_skip);
	sb_printf(o, "__us_rb_%s", fi->ename);
	copy_text(f->t, o, name_end, bb);
	return true;
}

/*
 * NAME's entry: an update pending, the copy runs instead, in NAME's frame
 * (musttail, at every optimization level: a recursion rebuilt through the
 * copies needs no more stack than the one it rebuilds).
 */
static void rb_entry(struct fctx *f, struct sb *o)
{
	sb_printf(o, "if (__builtin_expect(__US_PENDING, 0)) __attribute__((musttail)) "
		     "return __us_rb_%s(", f->fi->ename);
	param_args(f->fi, o);
	sb_puts(o, ");\n");
}

/* In NAME, no frame is ever resumed: the hops go nowhere. */
static void rb_no_hops(struct fctx *f, struct sb *o)
{
	for (unsigned h = 1; h <= f->frame.nhops; h++)
		sb_printf(o, "#undef __US_HOP_%1$s_%2$u\n#define __US_HOP_%1$s_%2$u\n"
			     "#undef __US_HOPR_%1$s_%2$u\n#define __US_HOPR_%1$s_%2$u\n"
			     "#undef __US_HOPC_%1$s_%2$u\n#define __US_HOPC_%1$s_%2$u\n",
			  f->fi->ename, h);
}

/*
 * The function's definition under header hdr: with the restore at entry,
 * or (split, NAME beside its copy) with the copy's entry instead.
 */
static void emit_body(struct fctx *f, struct sb *o, const char *hdr, unsigned long size,
		      bool split)
{
	struct fninfo *fi = f->fi;
	bool rec = f->t->o->records;

	sb_printf(o, "%s\n{\n", hdr);
	if (split)
		rb_entry(f, o);
	sb_printf(o, "%schar *__us_fr;\n%s", f->text.decls.s ? f->text.decls.s : "",
		  f->text.uses_k ? "unsigned __us_k;\n" : "");
	emit_layout_enum(f, o, size);
	emit_shadow_alloc(f, o);
	if (!fi->quiet) {
		const char *entry_save = f->frame.cps[0].ndead ? "__us_save_p0" : "__us_save";

		if (!split) {
			/* the thread is rebuilding its stack, or must save this frame */
			sb_printf(o, "if (__builtin_expect(__US_PENDING, 0) && "
				     "(__us_fr = (char *)__upstare_enter(&__us_fd_%s))) {\n"
				     "if ((unsigned long)__us_fr & 1) { __us_fr--; %s%s%s; }\n",
				  fi->ename, rec ? "__upstare_rec(0U __US_REC_" : "goto ",
				  rec ? fi->ename : "", rec ? "_0); goto __us_save_ret" : entry_save);
			emit_restore(f, o);
			sb_puts(o, "}\n");
		}
		emit_save_block(f, o);
		sb_puts(o, "__us_l0: ;\n");
	}
	sb_puts(o, f->text.body.s);
	if (fi->nshadow)
		sb_puts(o, "__US_RELEASE;\n");
	if (fi->is_main && !fi->returns_void)
		sb_puts(o, "return 0;\n");
	sb_puts(o, "}\n");
}

void emit_function(struct tu *t, struct fninfo *fi)
{
	struct fctx *f;
	CXCursor *kids, body = clang_getNullCursor();
	unsigned n = get_kids(fi->cur, &kids), i, bb;
	unsigned long size;
	struct sb o = { 0 }, hdr = { 0 };
	bool registered, rec = t->o->records;
	bool split = false;

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
	f->stmt = emit_stmt;
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
	plan_function(f, body);
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
	layout(f, &size);
	registered = fi->addr_taken || (!fi->is_static && !fi->is_inline) ||
		     (f->t->o->register_all && fi->is_static);

	copy_skipping(f, &hdr, cur_beg(fi->cur), bb, local_skip);

	emit_line(t, &o, cur_beg(fi->cur));
	if (f->text.statics.len)
		sb_printf(&o, "%s;\n%s", hdr.s, f->text.statics.s);
	sb_printf(&o, "static const struct __upstare_fdesc __us_fd_%s;\n", fi->ename);
	emit_hops(f, &o);
	if (rec && !fi->quiet)
		emit_records(f, &o);
	if (fi->nshadow)
		sb_printf(&o, "#undef __US_RELEASE\n#define __US_RELEASE "
			      "((char *)(%1$s) >= __upstare_sh_base && (char *)(%1$s) <= "
			      "__upstare_sh_end ? (void)(__upstare_sh_top = (char *)(%1$s)) : "
			      "__upstare_shadow_release(%1$s))\n",
			      f->frame.first_sp ? f->frame.first_sp : "0");
	if (!fi->quiet && rb_wanted(f)) {
		struct sb rh = { 0 };

		split = rb_header(f, bb, &rh);
		if (split) {
			emit_line(t, &o, cur_beg(fi->cur));
			sb_printf(&o, "%s;\n%s;\n", hdr.s, rh.s);
			emit_line(t, &o, cur_beg(fi->cur));
			emit_body(f, &o, rh.s, size, false);
			rb_no_hops(f, &o);
		}
		sb_free(&rh);
	}
	emit_line(t, &o, cur_beg(fi->cur));
	emit_body(f, &o, hdr.s, size, split);
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
	plan_free(&f->plan);
	free(f);
}
