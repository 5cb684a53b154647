/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal interfaces of the instrumentor: the translation unit being
 * rewritten, its text edits, and small libclang helpers.
 */
#ifndef UPSTARE_TU_H
#define UPSTARE_TU_H

#include <clang-c/Index.h>
#include <stdbool.h>

#include "instrument.h"
#include "strbuf.h"

/* Replace the token at off (len bytes) with text, wherever it is copied. */
struct edit {
	unsigned off, len;
	const char *text;
};

/* Replace [beg, end) of the file with text in the output. */
struct region {
	unsigned beg, end;
	char *text;
};

struct rename {
	char *usr;
	char *name;
};

struct tu {
	const struct instr_opts *o;
	CXIndex index;
	CXTranslationUnit tu;
	CXFile file;
	const char *buf;
	unsigned len;

	struct edit *edits;
	unsigned nedits, capedits;
	bool edits_sorted;
	struct region *regions;
	unsigned nregions, capregions;
	struct rename *renames;
	unsigned nrenames;
	char **renamed_names;		/* spellings with a rename, for a cheap pre-check */
	unsigned nrenamed_names;

	char *mangle;			/* source path as an identifier */
	int nerrors;
	bool has_main;
	char **quiet;			/* sorted USRs of quiet functions (park.c) */
	unsigned nquiet;

	struct sb meta_funcs, meta_globals, meta_types;
	unsigned nmeta_funcs, nmeta_globals, nmeta_types;
};

/* helpers.c */
unsigned cur_beg(CXCursor c);
unsigned cur_end(CXCursor c);
unsigned loc_off(CXSourceLocation l);
unsigned cur_line(CXCursor c);
char *cur_file(CXCursor c);
char *cur_spelling(CXCursor c);
char *type_spelling(CXType t);
char *type_desc(CXType t);
/* type_spelling, with unnamed records named by where they are used: helpers.c */
char *stable_spelling(CXType t);	/* canonical shape: helpers.c */
char *cur_usr(CXCursor c);
bool in_system_header(CXCursor c);
unsigned get_kids(CXCursor c, CXCursor **out);
CXCursor strip_implicit(CXCursor c);
bool is_expr(CXCursor c);
bool is_const_expr(CXCursor e);
bool int_value(CXCursor e, long long *v);
bool runs_once(CXCursor do_stmt);
bool is_block_type_decl(CXCursor c);
bool type_has_block_decl(CXType t);

/* libcalls.c: a call to fn goes to a libupstare wrapper that can unwind */
bool is_wrapped_point(CXCursor fn);
/*
 * libcalls.c: a call to fn, a function of the C library, never blocks and
 * returns within a time its arguments bound, or never returns.
 */
bool cheap_libcall(CXCursor fn);

struct tok {
	unsigned beg, end;
	char *s;
};
unsigned tokens_in(struct tu *t, unsigned beg, unsigned end, struct tok **out);
void tokens_free(struct tok *v, unsigned n);

void diag(struct tu *t, CXCursor c, const char *sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void diag_at(struct tu *t, unsigned off, const char *sev, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

void add_edit(struct tu *t, unsigned off, unsigned len, const char *text);
void add_region(struct tu *t, unsigned beg, unsigned end, char *text);
/* Append [beg, end) of the file to b, applying the edits inside. */
void copy_text(struct tu *t, struct sb *b, unsigned beg, unsigned end);
void emit_line(struct tu *t, struct sb *b, unsigned off);

const char *rename_lookup(struct tu *t, CXCursor decl);
void rename_add(struct tu *t, CXCursor decl, const char *name);
void rename_set(struct tu *t, CXCursor decl, const char *name);
void apply_renames(struct tu *t);

/* function.c */
void instrument_function(struct tu *t, CXCursor fn);

/* meta.c */
void meta_record_types(struct tu *t);
void meta_globals(struct tu *t);
void emit_meta_section(struct tu *t, struct sb *out);

#endif
