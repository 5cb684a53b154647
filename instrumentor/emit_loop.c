// SPDX-License-Identifier: GPL-2.0
/*
 * Loops printed as the plan (emit_plan.c) decided: the update point at a
 * loop's head (or latch), and the hop a frame being rebuilt goes on by; a
 * call-free loop strip-mined; a bounded loop run as written under its
 * guard; and the copy of a loop nest that the restore enters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

#define CLONE_MAX 65536	/* bytes of generated code of a loop nest copied (emit_copy()) */

static char *new_label(struct fctx *f, const char *what)
{
	char buf[48];

	snprintf(buf, sizeof(buf), "__us_%s%u%s", what, ++f->text.nlabels, label_sfx(f));
	return xstrdup(buf);
}

void push_loop(struct fctx *f, const char *brk, const char *cont, bool sw)
{
	if (f->nest.nloops_open == (int)(sizeof(f->nest.loops) / sizeof(f->nest.loops[0]))) {
		diag(f->t, f->fi->cur, "error", "statements nested too deeply");
		return;
	}
	f->nest.loops[f->nest.nloops_open++] = (struct loopctx){ brk, cont, sw };
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
 * vectorize.  The strip's counter is tested at its latch and the loop's
 * condition first thing in its body ("for (k = 0; k < STRIP; k++, incr)
 * { if (!(cond)) goto out; body }"): the latch's exit then has a constant
 * trip count, so the optimizer unrolls a small body and drops the
 * counter's compare from all copies but the last, as it does for the
 * do-while shape.  With the two tests in the strip's condition ("k <
 * STRIP && cond"), it unrolled nothing: bzip2's move-to-front search ran
 * 9 instructions an iteration against plain's 6.
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
		out(f, "for (__us_k = 0; __us_k < %u; __us_k++%s%s%s) {\n", STRIP,
		    ri ? ", (" : "", ri ? ri : "", ri ? ")" : "");
		if (rc)
			out(f, "if (!(%s)) goto %s;\n", rc, brk);
		push_loop(f, brk, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "}\n");
	}
	out(f, "}\n%s: ;\n", brk);
	free(brk);
	free(cont);
	free(rc);
	free(ri);
}

/*
 * A polled loop's head: its update point, or only the hop a frame being
 * rebuilt goes on by.  The hop is spelled out, not __US_HOPC_: a copy of
 * the loop goes on by __US_HOPR_.
 */
static void emit_loop_head(struct fctx *f, unsigned line, CXCursor body, bool poll)
{
	unsigned h = f->nest.hops_open[f->nest.nhops_open - 1];

	if (poll) {
		emit_poll(f, "loop", line, "loop", body, true);
		return;
	}
	out(f, "__us_h%u%s: if (__builtin_expect(__US_PENDING, 0)) { __US_HOP%s_%s_%u }\n", h,
	    label_sfx(f), f->nest.copy ? "R" : "", f->fi->ename, h);
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
 * (guard_text(), freed here; only for an inner loop), the loop runs as
 * written when the guard holds.
 */
static void emit_polled_loop(struct fctx *f, const struct loop_plan *p, unsigned line, char *guard)
{
	enum CXCursorKind k = p->lp.k;
	CXCursor cond = p->lp.cond, incr = p->lp.incr, body = p->lp.body;
	bool inner = p->lp.fd.call || p->lp.fd.loop || p->lp.fd.slow;
	enum poll_at at = p->at;
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

/* What the printer has numbered and has in force where a loop's first print starts. */
struct print_start {
	size_t len;
	int nerrors;
	unsigned nlabels, last_line, ntemps, ncls, nscopes, nhops, ncps, nrepl;
	struct repl *repl;
};

static void print_start(struct fctx *f, struct print_start *ps)
{
	*ps = (struct print_start){
		.len = f->text.body.len, .nerrors = f->t->nerrors, .nlabels = f->text.nlabels,
		.last_line = f->text.last_line, .ntemps = f->frame.ntemps, .ncls = f->frame.ncls,
		.nscopes = f->frame.nscopes, .nhops = f->frame.nhops, .ncps = f->frame.ncps,
	};
	ps->repl = repl_save(f, &ps->nrepl);
}

/*
 * The copy of the polled loop just printed from ps on (clonable()), whose
 * hop is chain[at]: the loop printed again under "if (0)", its labels
 * renamed (suffix "r") and its hops __US_HOPR_.  It is numbered again
 * from where the first print started, so it names the first print's
 * temporaries, locals, scopes and continuation points and declares
 * nothing; its print then ends where the first one did.  A loop whose
 * print failed is not copied: the copy would report the errors again.
 */
static void emit_copy(struct fctx *f, const struct loop_plan *p, unsigned line,
		      struct print_start *ps, unsigned at)
{
	/* over CLONE_MAX: twice the compile time for a rebuild's sake */
	if (f->t->nerrors != ps->nerrors || f->text.body.len - ps->len > CLONE_MAX) {
		for (unsigned i = 0; i < ps->nrepl; i++)
			free(ps->repl[i].text);
		free(ps->repl);
		return;
	}
	out(f, "if (0) {\n");
	f->text.nlabels = ps->nlabels;
	f->text.last_line = ps->last_line;
	f->frame.ntemps = ps->ntemps;
	f->frame.ncls = ps->ncls;
	f->frame.nscopes = ps->nscopes;
	f->frame.nhops = ps->nhops;
	repl_restore(f, ps->repl, ps->nrepl);
	f->nest.copy = true;
	f->nest.copy_cp = ps->ncps;
	emit_polled_loop(f, p, line, NULL);
	f->nest.copy = false;
	out(f, "}\n");
	for (unsigned i = ps->ncps; i < f->frame.ncps; i++) {
		f->frame.cps[i].cloned = true;
		f->frame.cps[i].clone_at = at;
	}
}

void emit_loop(struct fctx *f, CXCursor s)
{
	struct loop_plan p;
	CXCursor init, cond, incr, body;
	unsigned line = cur_line(s);
	struct find fd;
	struct print_start ps;
	char *guard;

	planned_loop(f, s, &p);
	init = p.lp.init, cond = p.lp.cond, incr = p.lp.incr, body = p.lp.body, fd = p.lp.fd;

	out(f, "{\n");
	if (!clang_Cursor_isNull(init)) {
		if (clang_getCursorKind(init) == CXCursor_DeclStmt)
			f->stmt(f, init);
		else
			emit_expr_stmt(f, init);
	}
	if (p.kind == LOOP_ONCE) {
		/* "do { ... } while (0)" of a macro runs once: not a loop */
		out(f, "do ");
		push_loop(f, NULL, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "while (0);\n}\n");
		return;
	}
	if (p.kind == LOOP_SHORT) {
		char *rc = residual(f, cond), *ri = residual(f, incr);

		/*
		 * Bounded by itself: no update point, and no loop depth for
		 * the counted loops inside, which must poll on their own.
		 * With calls inside, the restore may go through its head.
		 */
		if (fd.call) {
			unsigned h = push_hop(f);

			out(f, "for (;; %s) {\n__us_h%u%s: __US_HOPC_%s_%u\nif (!(%s)) break;\n",
			    ri, h, label_sfx(f), f->fi->ename, h, rc);
		} else {
			out(f, "for (; %s; %s) ", rc, ri);
		}
		push_loop(f, NULL, NULL, false);
		emit_braced(f, body);
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
	if (p.kind == LOOP_COUNTED) {
		char *rc = residual(f, cond), *ri = residual(f, incr);

		/* the enclosing loop's update point bounds the delay */
		out(f, "for (; %s; %s) ", rc, ri);
		push_loop(f, NULL, NULL, false);
		emit_braced(f, body);
		f->nest.nloops_open--;
		out(f, "}\n");
		free(rc);
		free(ri);
		return;
	}
	push_hop(f);
	guard = p.guard.on ? guard_text(f, &p.guard) : NULL;
	if (p.copied)
		print_start(f, &ps);
	emit_polled_loop(f, &p, line, guard);
	if (p.copied)
		emit_copy(f, &p, line, &ps, f->nest.nhops_open - 1);
	out(f, "}\n");
	f->nest.nhops_open--;
}
