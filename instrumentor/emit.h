/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The printer of one instrumented function (emit*.c): its state and the
 * interfaces between its files.  Private to them.
 *
 *   emit.c           the function assembled: frame layout, restore, saves, hops,
 *                    tables; functions that are not rebuilt
 *   emit_stmt.c      statements and declarations
 *   emit_loop.c      loops, printed: update points, strip-mining, copies
 *   emit_plan.c      the plan, made before printing: what each loop is, where
 *                    it polls, its guard, its copy; which gotos poll (decides)
 *   emit_loopkind.c  what kind of loop a loop is and where it polls (decides)
 *   emit_expr.c      expressions linearized: calls hoisted in evaluation order
 *   emit_frame.c     locals, temporaries, continuation and update points
 *   emit_eval.c      what evaluating an expression involves (decides): work(),
 *                    unevaluated operands, an initializer list's order
 *   emit_text.c      the text: out(), the replacements, residual()
 *
 * Each file calls only the ones below it in this list.  Statements hold
 * expressions and loops, and statement expressions and loop bodies hold
 * statements again: the files below emit_stmt.c reach the statement
 * printer through f->stmt (emit_braced()), which emit.c sets, not by name.
 */
#ifndef UPSTARE_EMIT_H
#define UPSTARE_EMIT_H

#include "frame.h"
#include "live.h"

#define STRIP 1024	/* iterations of a call-free inner loop between polls */

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
	unsigned stmt_temp_base;
	unsigned stmt_beg;	/* where the outermost statement being emitted starts */
	int lin_depth;
	/* block scopes: open ones innermost last */
	unsigned open_scopes[512];
	int nopen_scopes;
	bool in_body;
	/* loops whose heads the restore goes through: open ones, innermost last */
	unsigned hops_open[512];
	int nhops_open;
	/*
	 * Printing a loop's copy (emit_loop.c): its labels get the suffix
	 * "r", and it names what the loop's first print made, declaring
	 * nothing again; copy_cp is the first print's next continuation point.
	 */
	bool copy;
	unsigned copy_cp;
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

/* Any hoistable call (in evaluated position) or nested loop below c? */
struct find {
	struct fctx *f;
	bool call, loop;	/* a call that may enter instrumented code; a loop or goto */
	bool nest;		/* a loop */
	bool slow;		/* a call out of the program that may block or run long */
};

/* A loop's parts, and whether its body calls instrumented code or loops. */
struct loop_parts {
	enum CXCursorKind k;
	CXCursor init, cond, incr, body;
	struct find fd;
};

enum loop_kind {
	LOOP_ONCE,	/* "do { ... } while (0)" */
	LOOP_SHORT,	/* is_short_counted(): no update point */
	LOOP_COUNTED,	/* call-free, counted, in a loop: no update point */
	LOOP_POLLED,	/* an update point at its head (or only hops, see covers()) */
};

/*
 * Where a loop polls: at its head; at its latch (the end of its body,
 * where a continue goes, with only a hop at its head); or nowhere, every
 * pass through its body polling (covers(), a hop at its head).
 */
enum poll_at { POLL_HEAD, POLL_LATCH, POLL_NONE };

/* A bounded loop's guard (version_guard()): what guard_text() compares. */
struct guard {
	bool on;
	bool countdown;		/* on "--v" or "v--" (op: that operator), else counted */
	bool is_do;		/* countdown: a do loop */
	CXCursor v, e;		/* the counter; counted: the bound */
	int op;			/* counted: the comparison, "v op e" */
	bool up, ptr, tuns, sgn;	/* counted up; pointers; compared unsigned; v signed */
	long long step, vsize;
};

/* What the plan (emit_plan.c) decided of a loop. */
struct loop_plan {
	struct loop_parts lp;
	enum loop_kind kind;
	enum poll_at at;	/* LOOP_POLLED: where it polls */
	struct guard guard;	/* LOOP_POLLED: run as written while it holds */
	bool copied;		/* LOOP_POLLED: printed again, for the restore to enter */
};

/* The plan of a function: its loops and gotos, by statement. */
struct plan {
	struct planned {
		const void *id;		/* the statement */
		struct loop_plan loop;	/* a loop's */
		bool polls;		/* a goto: it has an update point */
	} *v;
	unsigned n, cap;
	unsigned *slot;		/* open hash of v by id: index + 1, 0 empty */
	unsigned nslot;
};

struct fctx {
	struct tu *t;
	struct fninfo *fi;
	struct frame frame;
	struct nest nest;
	struct text text;
	void (*stmt)(struct fctx *f, CXCursor s);	/* emit_stmt() */
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
	struct plan plan;	/* what the printer is to make of the loops and gotos */
};

/* The suffix of the labels printed now: "r" in a loop's copy. */
static inline const char *label_sfx(const struct fctx *f)
{
	return f->nest.copy ? "r" : "";
}

/* emit_text.c */
void out(struct fctx *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void repl_add(struct fctx *f, unsigned beg, unsigned end, char *text);
void repl_truncate(struct fctx *f, unsigned n);
struct repl *repl_save(struct fctx *f, unsigned *n);
void repl_restore(struct fctx *f, struct repl *saved, unsigned n);
char *residual(struct fctx *f, CXCursor e);
bool is_record_type(CXType t);
void emit_assign(struct fctx *f, const char *name, const char *rhs, CXType t);
void emit_braced(struct fctx *f, CXCursor s);
void copy_skipping(struct fctx *f, struct sb *b, unsigned beg, unsigned end,
		   const char *const *skip);

/* emit_eval.c */
bool work(struct fctx *f, CXCursor e);
bool is_gnu_cond(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n);
unsigned chosen_operand(struct fctx *f, CXCursor e, CXCursor *kids, unsigned n);
unsigned distinct_kids(CXCursor e, CXCursor **out);
bool transparent_union_arg(CXCursor e, CXCursor *in);
bool is_scalar_type(CXType t);
bool addr_taken(struct fctx *f, CXCursor decl);
bool addr_kept(struct fctx *f, CXCursor decl);
bool is_stable_local(struct fctx *f, CXCursor e);
bool is_frame_array(CXCursor e);
bool is_frame_offset(struct fctx *f, CXCursor e);
bool is_back_goto(CXCursor c);
/* An initializer of a list, and the subobject it initializes (init_order()). */
struct ileaf {
	CXCursor e;
	long long beg, end;	/* bits of the object it initializes */
	unsigned seq;		/* position in the source */
	bool dead;		/* overridden or in excess: never evaluated */
};
bool init_order(struct fctx *f, CXCursor list, struct ileaf **v, unsigned *n);
#define DECL_VARS_MAX 256
struct decl_kinds {
	bool has_static, has_extern, has_other;
	/* only functions and extern variables, which mean the same at file scope */
	bool linkage_only;
};
unsigned decl_vars(CXCursor *kids, unsigned n, CXCursor *vars, struct decl_kinds *dk);

/* emit_frame.c */
struct local *add_local(struct fctx *f, const char *name, const char *orig, CXType t,
			const char *kind);
char *new_temp(struct fctx *f, CXCursor e);
unsigned new_cp(struct fctx *f, const char *key_base, unsigned line, const char *kind);
void emit_unwind(struct fctx *f, unsigned id);
unsigned push_hop(struct fctx *f);
void emit_poll(struct fctx *f, const char *key, unsigned line, const char *kind,
	       CXCursor body, bool head);
void dead_after_call(struct fctx *f, struct cp *c);
void param_args(struct fninfo *fi, struct sb *o);

/* emit_expr.c */
void lin(struct fctx *f, CXCursor e);
void emit_expr_stmt(struct fctx *f, CXCursor e);

/* emit_loopkind.c */
void loop_parts(struct fctx *f, CXCursor s, struct loop_parts *lp);
enum loop_kind loop_kind(struct fctx *f, const struct loop_parts *lp, bool nested);
enum poll_at poll_place(struct fctx *f, const struct loop_parts *lp);
bool version_guard(struct fctx *f, const struct loop_parts *lp, enum poll_at at, bool outermost,
		   struct guard *g);
char *guard_text(struct fctx *f, const struct guard *g);
bool clonable(CXCursor s, const struct find *fd);
bool goto_polls(CXCursor target, const CXCursor *heads, unsigned n);

/* emit_plan.c */
void plan_function(struct fctx *f, CXCursor body);
void plan_free(struct plan *p);
void planned_loop(struct fctx *f, CXCursor s, struct loop_plan *lp);
bool planned_goto_polls(struct fctx *f, CXCursor s);

/* emit_loop.c */
void push_loop(struct fctx *f, const char *brk, const char *cont, bool sw);
void emit_loop(struct fctx *f, CXCursor s);

/* emit_stmt.c */
extern const char *const local_skip[];
void emit_stmt(struct fctx *f, CXCursor s);

#endif
