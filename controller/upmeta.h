/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .upstare metadata as every tool reads it: one model, loaded by one
 * function (upmeta_add_elf()) that checks each document's format version.
 * upstare-cc writes it (instrumentor/meta.c); upstare-cc --patch, the
 * readiness view, constraint checks and partial updates read it here.
 *
 * The section holds one JSON document per translation unit, each ended
 * by a NUL byte (the linker concatenates them):
 *
 *   {"upstare_meta":1,"source":...,"functions":[...],"globals":[...],
 *    "types":[...]}
 *
 * A version may come from several files (a patch's objects): each
 * upmeta_add() appends its units.  Every string below points into the
 * parsed documents, which live as long as the model.
 */
#ifndef UPSTARE_UPMETA_H
#define UPSTARE_UPMETA_H

#include <stdbool.h>
#include <stddef.h>

#include "elfread.h"

/* The section, and "upstare_meta" of each document: bumped when a reader would misread it. */
#define UPMETA_SECTION	".upstare"
#define UPMETA_VERSION	1

struct json;

struct upmeta_cp {
	const char *key;	/* "callee#n", "loop#n", "entry"; may be NULL */
	const char *kind;	/* "entry", "call", "loop", ... */
	unsigned line;
};

struct upmeta_fn {
	const char *name, *symbol, *file;
	const char *reason;	/* why not reconstructible, or NULL */
	unsigned line, end_line;	/* end_line 0: extent unknown */
	bool reconstructible;
	struct upmeta_cp *cps;
	size_t ncps;
	const char **types_used;	/* record types its frame uses */
	size_t ntypes_used;
	const struct json *doc;	/* its document: locals, scopes, ... */
};

struct upmeta_global {
	const char *name, *symbol, *type, *desc;
	const char *source;	/* its unit's */
	const char *file;	/* the header it is declared in, or NULL */
	const char *function;	/* a static local's function, or NULL */
	long size, line;
	bool is_static;
};

/* A record or enum type: its fields (or an enum's values) an array. */
struct upmeta_type {
	const char *name, *kind;
	long size;
	const struct json *fields;
};

struct upmeta_unit {
	const char *source;
	const char *text;	/* the document as the section holds it */
};

struct upmeta {
	struct json *doc;	/* the units' documents, an array */
	struct upmeta_unit *units;
	size_t nunits;
	struct upmeta_fn *fns;
	size_t nfns;
	struct upmeta_global *globals;
	size_t nglobals;
	struct upmeta_type *types;	/* as listed: a name may repeat */
	size_t ntypes;
	char build_id[ELF_BUILD_ID_HEX];	/* of the first file that has one, or "" */
	char *storage;		/* a patch's .upstare_storage, or NULL */
	char **texts;		/* the sections read, which units[] point into */
	size_t ntexts;
};

/*
 * Add the .upstare metadata of ELF file e (path names it in messages) to
 * m, which starts zeroed: the number of units added (0: no .upstare
 * section), or -EINVAL with *msg (malloc'd) saying which unit is not a
 * document of format UPMETA_VERSION, and why; m is then as it was.  Out
 * of memory, the tool aborts rather than go on with half a model.
 */
int upmeta_add_elf(struct upmeta *m, Elf *e, const char *path, char **msg);
/*
 * The same for the file at path (0 for an archive, whose members are
 * read one by one); -errno with *msg when it cannot be read.
 */
int upmeta_add(struct upmeta *m, const char *path, char **msg);
/* Has the file at path a .upstare section (not read)? */
bool upmeta_present(const char *path);
void upmeta_free(struct upmeta *m);

/*
 * The function whose symbol is symbol (or whose rebuild entry,
 * __us_rb_SYMBOL, it is), or NULL.
 */
const struct upmeta_fn *upmeta_function(const struct upmeta *m, const char *symbol);
/* The first function called name, or NULL. */
const struct upmeta_fn *upmeta_function_named(const struct upmeta *m, const char *name);
/* The first type called name, or NULL. */
const struct upmeta_type *upmeta_type(const struct upmeta *m, const char *name);
/*
 * Continuation point of a frame of fn stopped at line: the nearest point
 * at or a few lines before it (a call when call_site), preferring a call
 * to callee.  NULL if none.
 */
const struct upmeta_cp *upmeta_cp_at(const struct upmeta_fn *fn, unsigned line,
				     const char *callee, bool call_site);

#endif
