/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The .upstare metadata of an instrumented binary, as the controller needs
 * it: which functions are instrumented, whether each can be rebuilt, and
 * its continuation points (key and source line).
 */
#ifndef UPSTARE_META_H
#define UPSTARE_META_H

#include <stdbool.h>
#include <libelf.h>

struct meta_cp {
	const char *key;
	const char *kind;	/* "entry", "call", "loop", ... */
	unsigned int line;
};

struct meta_fn {
	const char *name;
	const char *symbol;
	const char *reason;	/* why not reconstructible, or NULL */
	bool reconstructible;
	int ncps;
	struct meta_cp *cps;
};

struct meta {
	int nfns;
	struct meta_fn *fns;
	struct json **docs;	/* parsed units, own the strings above */
	int ndocs;
};

/* True if the file has a .upstare section (does not parse it). */
bool meta_file_has_section(const char *path);
/* Parse the .upstare section of elf; NULL (errno ENOENT) if it has none. */
struct meta *meta_from_elf(Elf *elf);
void meta_free(struct meta *m);
const struct meta_fn *meta_find(const struct meta *m, const char *symbol);
/*
 * Continuation point of fn at line: the call whose callee is named callee
 * (when known), else the first point on that line.  NULL if none.
 */
const struct meta_cp *meta_cp_at(const struct meta_fn *fn, unsigned int line,
				 const char *callee);

#endif
