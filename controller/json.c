// SPDX-License-Identifier: GPL-2.0
/* JSON reader and writer for the protocol and the .upstare metadata. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"

struct parser {
	const char *s, *p;
	char *err;
	size_t errlen;
	int depth;
};

static void fail(struct parser *ps, const char *what)
{
	if (!ps->err[0])
		snprintf(ps->err, ps->errlen, "offset %zu: %s", (size_t)(ps->p - ps->s), what);
}

static void skip_ws(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static void put_utf8(char **o, unsigned int c)
{
	if (c < 0x80) {
		*(*o)++ = c;
	} else if (c < 0x800) {
		*(*o)++ = 0xc0 | (c >> 6);
		*(*o)++ = 0x80 | (c & 0x3f);
	} else {
		*(*o)++ = 0xe0 | (c >> 12);
		*(*o)++ = 0x80 | ((c >> 6) & 0x3f);
		*(*o)++ = 0x80 | (c & 0x3f);
	}
}

static char *parse_string(struct parser *ps)
{
	const char *q = ++ps->p;
	char *out, *o;

	while (*q && *q != '"')
		q += (*q == '\\' && q[1]) ? 2 : 1;
	if (!*q) {
		fail(ps, "unterminated string");
		return NULL;
	}
	o = out = malloc(q - ps->p + 1);
	while (ps->p < q) {
		char c = *ps->p++;
		unsigned int u;

		if (c != '\\') {
			*o++ = c;
			continue;
		}
		c = *ps->p++;
		switch (c) {
		case 'n': *o++ = '\n'; break;
		case 't': *o++ = '\t'; break;
		case 'r': *o++ = '\r'; break;
		case 'b': *o++ = '\b'; break;
		case 'f': *o++ = '\f'; break;
		case 'u':
			if (sscanf(ps->p, "%4x", &u) != 1) {
				fail(ps, "bad \\u escape");
				free(out);
				return NULL;
			}
			ps->p += 4;
			put_utf8(&o, u);
			break;
		default: *o++ = c; break;
		}
	}
	*o = 0;
	ps->p = q + 1;
	return out;
}

static struct json *parse_value(struct parser *ps);

static struct json *parse_container(struct parser *ps, struct json *j, char close)
{
	struct json **tail = &j->child;

	ps->p++;
	skip_ws(ps);
	if (*ps->p == close) {
		ps->p++;
		return j;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_ws(ps);
		if (close == '}') {
			if (*ps->p != '"') {
				fail(ps, "expected a member name");
				goto err;
			}
			key = parse_string(ps);
			if (!key)
				goto err;
			skip_ws(ps);
			if (*ps->p++ != ':') {
				free(key);
				fail(ps, "expected ':'");
				goto err;
			}
		}
		v = parse_value(ps);
		if (!v) {
			free(key);
			goto err;
		}
		v->key = key;
		*tail = v;
		tail = &v->next;
		skip_ws(ps);
		if (*ps->p == ',') {
			ps->p++;
			continue;
		}
		if (*ps->p == close) {
			ps->p++;
			return j;
		}
		fail(ps, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
		goto err;
	}
err:
	json_free(j);
	return NULL;
}

/*
 * An integer keeps all its 64 bits, which a double does not: enum values
 * in the .upstare metadata that differ only past the 53rd bit.
 */
static void parse_int(const char *p, const char *end, struct json *j)
{
	char *e;

	errno = 0;
	j->i = strtoll(p, &e, 10);
	j->is_int = e == end && !errno;
}

static struct json *parse_value(struct parser *ps)
{
	struct json *j;
	char *end;

	skip_ws(ps);
	if (++ps->depth > 64) {
		fail(ps, "nested too deeply");
		return NULL;
	}
	j = calloc(1, sizeof(*j));
	switch (*ps->p) {
	case '{':
		j->type = JSON_OBJ;
		j = parse_container(ps, j, '}');
		break;
	case '[':
		j->type = JSON_ARR;
		j = parse_container(ps, j, ']');
		break;
	case '"':
		j->type = JSON_STR;
		j->str = parse_string(ps);
		if (!j->str) {
			free(j);
			j = NULL;
		}
		break;
	case 't':
	case 'f':
	case 'n':
		if (!strncmp(ps->p, "true", 4)) {
			j->type = JSON_BOOL;
			j->b = true;
			ps->p += 4;
		} else if (!strncmp(ps->p, "false", 5)) {
			j->type = JSON_BOOL;
			ps->p += 5;
		} else if (!strncmp(ps->p, "null", 4)) {
			ps->p += 4;
		} else {
			fail(ps, "unexpected word");
			free(j);
			j = NULL;
		}
		break;
	default:
		j->num = strtod(ps->p, &end);
		if (end == ps->p || !(*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))) {
			fail(ps, "unexpected character");
			free(j);
			j = NULL;
			break;
		}
		j->type = JSON_NUM;
		parse_int(ps->p, end, j);
		ps->p = end;
	}
	ps->depth--;
	return j;
}

struct json *json_parse(const char *text, char *err, size_t errlen)
{
	struct parser ps = { text, text, err, errlen, 0 };
	struct json *j;

	err[0] = 0;
	j = parse_value(&ps);
	if (!j)
		return NULL;
	skip_ws(&ps);
	if (*ps.p) {
		fail(&ps, "trailing characters");
		json_free(j);
		return NULL;
	}
	return j;
}

void json_free(struct json *j)
{
	while (j) {
		struct json *next = j->next;

		json_free(j->child);
		free(j->str);
		free(j->key);
		free(j);
		j = next;
	}
}

struct json *json_get(const struct json *obj, const char *key)
{
	struct json *c;

	if (!obj || obj->type != JSON_OBJ)
		return NULL;
	for (c = obj->child; c; c = c->next)
		if (!strcmp(c->key, key))
			return c;
	return NULL;
}

const char *json_str(const struct json *obj, const char *key)
{
	struct json *v = json_get(obj, key);

	return v && v->type == JSON_STR ? v->str : NULL;
}

long long json_int(const struct json *obj, const char *key, long long dflt)
{
	struct json *v = json_get(obj, key);

	if (!v || v->type != JSON_NUM)
		return dflt;
	return v->is_int ? v->i : (long long)v->num;
}

bool json_bool(const struct json *obj, const char *key, bool dflt)
{
	struct json *v = json_get(obj, key);

	return v && v->type == JSON_BOOL ? v->b : dflt;
}

static void jb_grow(struct jbuf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->s = realloc(b->s, b->cap);
	}
}

void jb_raw(struct jbuf *b, const char *s)
{
	size_t n = strlen(s);

	jb_grow(b, n);
	memcpy(b->s + b->len, s, n + 1);
	b->len += n;
}

void jb_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) >= 0) {
		jb_raw(b, s);
		free(s);
	}
	va_end(ap);
}

void jb_str(struct jbuf *b, const char *s)
{
	char esc[8];

	if (!s) {
		jb_raw(b, "null");
		return;
	}
	jb_raw(b, "\"");
	for (; *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\') {
			esc[0] = '\\';
			esc[1] = c;
			esc[2] = 0;
		} else if (c < 0x20) {
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		} else {
			esc[0] = c;
			esc[1] = 0;
		}
		jb_raw(b, esc);
	}
	jb_raw(b, "\"");
}

void jb_elem(struct jbuf *b)
{
	if (b->comma)
		jb_raw(b, ",");
	b->comma = true;
}

void jb_open(struct jbuf *b, char c)
{
	char s[2] = { c, 0 };

	jb_raw(b, s);
	b->comma = false;
}

void jb_close(struct jbuf *b, char c)
{
	char s[2] = { c, 0 };

	jb_raw(b, s);
	b->comma = true;
}

void jb_key(struct jbuf *b, const char *key)
{
	jb_elem(b);
	jb_str(b, key);
	jb_raw(b, ":");
	b->comma = false;
}

void jb_kstr(struct jbuf *b, const char *key, const char *val)
{
	jb_key(b, key);
	jb_str(b, val);
	b->comma = true;
}

void jb_kint(struct jbuf *b, const char *key, long long val)
{
	jb_key(b, key);
	jb_printf(b, "%lld", val);
	b->comma = true;
}

void jb_kbool(struct jbuf *b, const char *key, bool val)
{
	jb_key(b, key);
	jb_raw(b, val ? "true" : "false");
	b->comma = true;
}

void jb_knull(struct jbuf *b, const char *key)
{
	jb_key(b, key);
	jb_raw(b, "null");
	b->comma = true;
}

void jb_free(struct jbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof(*b));
}

void json_write(struct jbuf *b, const struct json *j)
{
	const struct json *c;

	switch (j->type) {
	case JSON_NULL:
		jb_raw(b, "null");
		break;
	case JSON_BOOL:
		jb_raw(b, j->b ? "true" : "false");
		break;
	case JSON_NUM:
		if (j->is_int)
			jb_printf(b, "%lld", j->i);
		else if (j->num == (long long)j->num)
			jb_printf(b, "%lld", (long long)j->num);
		else
			jb_printf(b, "%.17g", j->num);
		break;
	case JSON_STR:
		jb_str(b, j->str);
		break;
	case JSON_ARR:
	case JSON_OBJ:
		jb_raw(b, j->type == JSON_ARR ? "[" : "{");
		for (c = j->child; c; c = c->next) {
			if (c != j->child)
				jb_raw(b, ",");
			if (j->type == JSON_OBJ) {
				jb_str(b, c->key);
				jb_raw(b, ":");
			}
			json_write(b, c);
		}
		jb_raw(b, j->type == JSON_ARR ? "]" : "}");
		break;
	}
	b->comma = true;
}
