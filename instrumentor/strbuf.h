/* SPDX-License-Identifier: GPL-2.0 */
/* A growable string: every piece of generated code is built in one. */
#ifndef UPSTARE_STRBUF_H
#define UPSTARE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sb {
	char *s;
	size_t len, cap;
};

void sb_put(struct sb *b, const char *s, size_t n);
void sb_puts(struct sb *b, const char *s);
void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sb_json_str(struct sb *b, const char *s);	/* "s" with JSON escapes */
void sb_free(struct sb *b);
char *xstrdup(const char *s);
void *xrealloc(void *p, size_t n);
void *xcalloc(size_t n, size_t size);

#endif
