// SPDX-License-Identifier: GPL-2.0
/*
 * The text of the function being instrumented, as the printer builds it.
 *
 * out() appends to the body.  An expression whose calls were hoisted is
 * printed as its residual: its source text with the replacements of the
 * parts already evaluated (a call by its temporary) applied.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

void out(struct fctx *f, const char *fmt, ...)
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

void repl_add(struct fctx *f, unsigned beg, unsigned end, char *text)
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

void repl_truncate(struct fctx *f, unsigned n)
{
	while (f->text.nrepl > n)
		free(f->text.repl[--f->text.nrepl].text);
}

/* The replacements in force (n of them), copied for repl_restore() to put back. */
struct repl *repl_save(struct fctx *f, unsigned *n)
{
	struct repl *v = xrealloc(NULL, (f->text.nrepl + 1) * sizeof(*v));

	for (unsigned i = 0; i < f->text.nrepl; i++)
		v[i] = (struct repl){ f->text.repl[i].beg, f->text.repl[i].end,
				      xstrdup(f->text.repl[i].text) };
	*n = f->text.nrepl;
	return v;
}

/* Replace the replacements in force by the n that repl_save() copied (and gives up). */
void repl_restore(struct fctx *f, struct repl *saved, unsigned n)
{
	repl_truncate(f, 0);
	free(f->text.repl);
	f->text.repl = saved;
	f->text.nrepl = n;
	f->text.caprepl = n + 1;
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

char *residual(struct fctx *f, CXCursor e)
{
	return residual_range(f, cur_beg(e), cur_end(e));
}

bool is_record_type(CXType t)
{
	return clang_getCanonicalType(t).kind == CXType_Record;
}

/*
 * "name = (rhs);".  Structures are copied through an initialized temporary,
 * since a structure with a const member cannot be assigned.  rhs is in
 * parentheses: the middle operand of ?: may be a comma expression
 * ("c ? (*p = v), 1 : f(p)", sqlite's putVarint32).
 */
void emit_assign(struct fctx *f, const char *name, const char *rhs, CXType t)
{
	if (is_record_type(t))
		out(f, "{ __typeof_unqual__(%s) __us_v = (%s); "
		       "__builtin_memcpy((void *)&%s, &__us_v, sizeof(%s)); }\n",
		    name, rhs, name, name);
	else
		out(f, "%s = (%s);\n", name, rhs);
}

/* Statement s in braces, by the statement printer (f->stmt: emit_stmt()). */
void emit_braced(struct fctx *f, CXCursor s)
{
	if (clang_getCursorKind(s) == CXCursor_CompoundStmt) {
		f->stmt(f, s);
		return;
	}
	out(f, "{\n");
	f->stmt(f, s);
	out(f, "}\n");
}

/* Copy [beg, end) leaving out the storage-class tokens named. */
void copy_skipping(struct fctx *f, struct sb *b, unsigned beg, unsigned end,
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
