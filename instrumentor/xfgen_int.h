/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The patch generator's own state and steps, shared by its three files:
 * xfgen.c derives the conversions and writes them out, xfgen_elf.c reads
 * what it needs of ELF files (the base's initial values, the patch
 * objects' declarations), xfgen_watch.c handles pointers to records whose
 * layout changed and the heap declarations.
 */
#ifndef UPSTARE_XFGEN_INT_H
#define UPSTARE_XFGEN_INT_H

#include <libelf.h>
#include <stdbool.h>

#include "json.h"
#include "strbuf.h"
#include "upmeta.h"

/* rec_changed()'s answers: 0 being decided, 1 unchanged, 2 changed */
struct memo {
	const char **names;
	int *state;
	int n;
};

struct xfgen {
	const struct upmeta *base, *news;	/* patch_link()'s */
	struct memo *memo;
	Elf *elf;
	int fd;
	bool explain;
	char **user;		/* "1 name" / "2 type": the patch's own transformers */
	int nuser;
	struct heap_array {	/* UPSTARE_HEAP_ARRAY(var, count) */
		char *var, *count;
		int obj;	/* declared in object obj, entry at */
		unsigned long at;
		bool used;
	} *arrays;
	int narrays;
};

struct op {
	unsigned op, flags;
	unsigned long ooff, noff, osize, nsize, count, ostride, nstride, nbody;
	long long *map;
	unsigned long nmap;
	char *what;
	char *type;		/* PTR: the record pointed to */
	char *count_sym;	/* PTR, COUNTED */
	unsigned long count_off;
};

struct image {
	unsigned kind;		/* 0 unknown, 1 zero, 2 bytes */
	unsigned char *bytes;
	unsigned long addr, size;
	struct { unsigned long off; long addend; char *sym; } *rel;
	unsigned long nrel;
	const char *why;	/* when unknown */
};

struct deriv {
	struct op *v;
	unsigned long n;
	char *why;		/* the first step that cannot be derived */
	char *last;		/* the last one */
	struct op *old;		/* the old layout's fields, by name */
	unsigned long nold;
	int in_array;		/* inside an array's element: offsets are its */
	struct sb notes;
	const struct image *im;	/* the old initial value */
};

/* xfgen.c */
/* The record or enum a shape names ("p<struct s>" -> "struct s"), or "". */
char *xf_desc_name(const char *d);
bool xf_own_changed(const struct xfgen *x, const char *name);
bool xf_rec_changed_at(const struct xfgen *x, const char *name, const char **which);
struct op *xf_push(struct deriv *d, unsigned op, unsigned long ooff, unsigned long noff,
		   unsigned long osize, unsigned long nsize, const char *what);
void xf_emit(struct sb *o, const char *id, const struct deriv *d, const struct image *im);
void xf_deriv_free(struct deriv *d);
/* xfgen_elf.c */
void xf_image_of(const struct xfgen *x, const char *sym, unsigned long size, struct image *im);
bool xf_user_converts(const struct xfgen *x, unsigned kind, const char *name);
/* xfgen_watch.c */
bool xf_heap_converted(const struct xfgen *x, const char *name);

#endif
