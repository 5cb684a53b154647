/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inside the constraint-file library: what its four files share.  They
 * call one way, each only the ones before it: constraints_parse.c,
 * constraints_print.c, constraints_eval.c, constraints_check.c.
 * constraints.h is the library's interface to everyone else.
 */
#ifndef UPSTARE_CONSTRAINTS_INTERNAL_H
#define UPSTARE_CONSTRAINTS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "constraints.h"

/* constraints_parse.c */

/* A diagnostic at loc into d (NULL: none kept). */
void cons_diag_add(struct cons_diags *d, struct cons_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* v (n elements of size) with room for one more, or NULL (v unchanged). */
void *cons_grow(void *v, size_t n, size_t size);
void cons_rule_free(struct cons_rule *r);
/* The lexer's classes of characters: a word (a file name) and an identifier. */
bool cons_is_word_start(int c);
bool cons_is_word(int c);
bool cons_is_ident_str(const char *s, size_t n);

/* constraints_print.c: as the language writes them */

void cons_print_who(FILE *f, const struct cons_who *w);
void cons_print_region(FILE *f, const struct cons_clause *c);
void cons_print_rule(FILE *f, const struct cons_rule *r);
/* A thread and its frame #i, for reasons. */
void cons_print_thread(FILE *f, const struct cons_thread *t);
void cons_print_frame(FILE *f, const struct cons_thread *t, int i);

/* constraints_eval.c */

/* Both strings there and equal. */
bool cons_str_eq(const char *a, const char *b);
/* Append v to res (NULL: drop it); v's memory is res's, or freed on error. */
int cons_result_push(struct cons_result *res, struct cons_violation *v);

#endif
