/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_FRAME_H
#define UPSTARE_FRAME_H

#include "function.h"

/*
 * The frame of one instrumented function as the printer (emit*.c) built
 * it: what its frame record holds and where it can be resumed.  emit.c
 * lays it out and prints its save, restore and tables; meta.c describes
 * it in the .upstare metadata.
 */

struct local {
	char *name;		/* as emitted */
	char *orig;		/* as in the source */
	char *key;		/* orig, or orig#N for the N-th local of that name */
	char *type;
	char *desc;		/* canonical shape (type_desc()), for the patch */
	long long size, align;
	unsigned long off, addr_off;
	bool is_ptr, addr_taken;
	bool shadow;		/* on the side stack, through the pointer sp */
	char *sp;
	const char *kind;	/* "param", "local", "temp" */
	unsigned temp;		/* for temporaries: N of __us_tN */
	unsigned scope;		/* block scope it is declared in, 0: function scope */
	CXCursor decl;		/* its declaration, when it has one */
	bool has_decl;
};

/* A continuation point. */
struct cp {
	char *key;
	unsigned line;
	const char *kind;	/* "entry", "call", "loop", "goto" */
	unsigned tlo, thi;	/* temporaries live here: __us_t<tlo+1> .. __us_t<thi> */
	unsigned scope;		/* innermost block scope open here, 0: none */
	unsigned *dead;		/* locals (indices) dead here: not saved (live.c) */
	unsigned ndead;
	unsigned *chain;	/* the loops around it, outermost first (hops) */
	unsigned nchain;
	bool cloned;		/* resumed in a loop's copy (emit_loop.c) */
	unsigned clone_at;	/* then: that loop's place in chain */
};

struct frame {
	struct local *locals;
	unsigned nlocals;
	const char *first_sp;	/* the first side-stack local's pointer */
	struct cp *cps;
	unsigned ncps;
	struct keycnt {
		char *key;
		unsigned n;
	} *kc;			/* how many points of each key so far */
	unsigned nkc;
	unsigned ntemps, ncls;	/* temporaries __us_tN, compound literals __us_clN */
	unsigned *scope_parent;	/* each block scope's parent */
	unsigned nscopes;
	unsigned nhops;		/* loops the restore may go through */
};

/* meta.c: the function's document in the unit's .upstare metadata */
void meta_function(struct tu *t, struct fninfo *fi, const struct frame *fr, unsigned long size);
void meta_nr_function(struct tu *t, struct fninfo *fi);

#endif
