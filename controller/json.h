/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small JSON reader (a tree of values) and writer (into a growing
 * buffer), enough for the upstared protocol and the .upstare metadata.
 */
#ifndef UPSTARE_JSON_H
#define UPSTARE_JSON_H

#include <stdbool.h>
#include <stddef.h>

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUM, JSON_STR, JSON_ARR, JSON_OBJ };

struct json {
	enum json_type type;
	bool b;
	bool is_int;		/* JSON_NUM: an integer that fits in i */
	double num;
	long long i;		/* is_int: the number, all 64 bits of it (num has 53) */
	char *str;		/* JSON_STR */
	char *key;		/* member name when inside an object */
	struct json *child;	/* JSON_ARR / JSON_OBJ: first element */
	struct json *next;	/* next sibling */
};

/* Parse text; NULL with *err set to a message naming the offset on error. */
struct json *json_parse(const char *text, char *err, size_t errlen);
void json_free(struct json *j);
struct json *json_get(const struct json *obj, const char *key);
const char *json_str(const struct json *obj, const char *key);	/* NULL if absent */
long long json_int(const struct json *obj, const char *key, long long dflt);
bool json_bool(const struct json *obj, const char *key, bool dflt);

/* Output buffer. */
struct jbuf {
	char *s;
	size_t len, cap;
	bool comma;		/* a value was written at this level */
};

void jb_raw(struct jbuf *b, const char *s);
void jb_printf(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void jb_str(struct jbuf *b, const char *s);	/* quoted and escaped, or null */
/* Object members and array elements with the commas handled. */
void jb_open(struct jbuf *b, char c);		/* '{' or '[' */
void jb_close(struct jbuf *b, char c);
void jb_key(struct jbuf *b, const char *key);	/* "key": */
void jb_kstr(struct jbuf *b, const char *key, const char *val);
void jb_kint(struct jbuf *b, const char *key, long long val);
void jb_kbool(struct jbuf *b, const char *key, bool val);
void jb_knull(struct jbuf *b, const char *key);
void jb_elem(struct jbuf *b);			/* before an array element */
void jb_free(struct jbuf *b);
/* Serialize a parsed value. */
void json_write(struct jbuf *b, const struct json *j);

#endif
