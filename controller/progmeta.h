/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A program's .upstare metadata read for the constraint library: the
 * functions with their files, lines, continuation points and the types
 * they use, and the record types' layouts (struct cons_program).  Used by
 * upstarectl check-constraints and by the type-safety check of partial
 * updates (update_barrier.c).
 */
#ifndef UPSTARE_PROGMETA_H
#define UPSTARE_PROGMETA_H

#include <stddef.h>

#include "constraints.h"
#include "upmeta.h"

/*
 * The metadata (upmeta.h's model) as the constraint library wants it
 * (struct cons_program): each function's keyed continuation points, and
 * the record types' layouts as strings.  The other strings point into
 * the model.
 */
struct prog_meta {
	struct upmeta meta;
	struct cons_prog_func *funcs;	/* their cps malloc'd */
	size_t nfuncs;
	struct cons_prog_type *types;	/* layouts malloc'd */
	size_t ntypes;
	struct cons_program prog;
};

/* Read and index the .upstare section of PATH; on error *MSG says why. */
int pm_load(struct prog_meta *m, const char *path, char **msg);
void pm_free(struct prog_meta *m);

#endif
