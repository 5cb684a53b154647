/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_FUNCTION_H
#define UPSTARE_FUNCTION_H

#include "tu.h"

/* What the analysis pass decided about one function definition. */
struct fninfo {
	CXCursor cur;
	char *name;		/* as in the source */
	char *ename;		/* as emitted (main is renamed) */
	const char *nr_reason;	/* non-reconstructible: emitted uninstrumented */
	bool skip;		/* emitted exactly as written (naked) */
	bool quiet;		/* never reaches an update point (park.c) */
	bool is_static, is_inline, addr_taken, is_main, returns_void;
	char **addr_usrs;	/* locals whose address is kept: may be held anywhere */
	unsigned naddr;
	/* locals whose address appears at all, kept or used at once ("*(T *)&x") */
	char **addr_any_usrs;
	unsigned naddr_any;
	unsigned nshadow;	/* locals kept on the side stack (analyze.c) */
	char **nth_usrs;	/* locals whose name an earlier one has, */
	unsigned *nth;		/* and which of that name each is: 2, 3... */
	unsigned nnth;
	char **types_used;
	unsigned ntypes;
};

/* callback: why it is entered from code that cannot be rebuilt, or NULL */
struct fninfo *analyze_function(struct tu *t, CXCursor fn, const char *callback);
void emit_function(struct tu *t, struct fninfo *fi);

/* park.c */
void park_analyze(struct tu *t, struct fninfo **fns, unsigned n);
bool park_callee_is_quiet(struct tu *t, CXCursor call);

#endif
