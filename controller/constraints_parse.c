// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files parsed: a hand-written lexer and recursive-descent
 * parser, and the diagnostics it collects (validation adds its own).
 *
 * The language is line-oriented: one statement per line, except that the
 * clauses of a conjunction may span lines inside their braces.  That makes
 * error recovery simple and predictable: after an error the parser skips
 * to the end of the statement and goes on, so one run reports every error.
 * The grammar is in Documentation/constraints.rst.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "constraints.h"
#include "constraints_internal.h"

/* ------------------------------------------------------------ diagnostics */

void cons_diag_add(struct cons_diags *d, struct cons_loc loc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (!d)
		return;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 8;
		struct cons_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v) {
			free(msg);
			return;
		}
		d->v = v;
		d->cap = cap;
	}
	d->v[d->n++] = (struct cons_diag){ loc, msg };
}

void cons_diags_free(struct cons_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].msg);
	free(d->v);
	free(d->file);
	memset(d, 0, sizeof(*d));
}

void cons_diags_print(const struct cons_diags *d, FILE *out)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->v[i].loc.line)
			fprintf(out, "%s:%u:%u: %s\n", d->file ? d->file : "<input>",
				d->v[i].loc.line, d->v[i].loc.col, d->v[i].msg);
		else	/* about the whole file: it cannot be read */
			fprintf(out, "%s: %s\n", d->file ? d->file : "<input>", d->v[i].msg);
}

/* ------------------------------------------------------------------ lexer */

enum tok_kind {
	T_EOF, T_NL, T_IDENT, T_PATH, T_KEY, T_NUM, T_STR,
	T_LBRACE, T_RBRACE, T_SEMI, T_COLON, T_DASH, T_COMMA,
	T_ERR,			/* already reported by the lexer */
};

struct tok {
	enum tok_kind kind;
	struct cons_loc loc;
	const char *s;		/* the token's text in the input */
	size_t len;
	char *str;		/* T_STR: the unescaped value (malloc'd) */
};

struct parser {
	const char *p, *end;
	struct cons_loc pos;	/* of *p */
	struct tok tok;		/* current token */
	struct cons_diags *d;
	unsigned nerr;
	bool stop;		/* too many errors */
	unsigned depth;		/* of braces: newlines are blanks inside */
	struct cons_file *cf;
};

static void perr(struct parser *ps, struct cons_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void perr(struct parser *ps, struct cons_loc loc, const char *fmt, ...)
{
	va_list ap;
	char *msg;

	if (ps->stop)
		return;
	if (++ps->nerr > CONS_MAX_ERRORS) {
		cons_diag_add(ps->d, loc, "too many errors, stopping");
		ps->stop = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	cons_diag_add(ps->d, loc, "%s", msg ? msg : "out of memory");
	free(msg);
}

static void adv(struct parser *ps)
{
	if (*ps->p == '\n') {
		ps->pos.line++;
		ps->pos.col = 1;
	} else {
		ps->pos.col++;
	}
	ps->p++;
}

static int peekc(struct parser *ps, size_t i)
{
	return ps->p + i < ps->end ? (unsigned char)ps->p[i] : -1;
}

bool cons_is_word_start(int c)
{
	return isascii(c) && (isalpha(c) || c == '_' || c == '.' || c == '/');
}

bool cons_is_word(int c)
{
	return isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' ||
			      c == '+');
}

bool cons_is_ident_str(const char *s, size_t n)
{
	if (!n || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_'))
			return false;
	return true;
}

static void describe_byte(char *buf, size_t sz, int c)
{
	if (isascii(c) && isprint(c))
		snprintf(buf, sz, "'%c'", c);
	else
		snprintf(buf, sz, "byte 0x%02x", c);
}

static void lex_string(struct parser *ps)
{
	struct tok *t = &ps->tok;
	size_t cap = 16, n = 0;
	char *v = malloc(cap);
	bool bad = false;

	adv(ps);	/* the opening quote */
	for (;;) {
		int c = peekc(ps, 0);
		struct cons_loc at = ps->pos;

		if (c < 0 || c == '\n') {
			perr(ps, t->loc, "unterminated string");
			bad = true;
			break;
		}
		adv(ps);
		if (c == '"')
			break;
		if (c == '\\') {
			int e = peekc(ps, 0);

			if (e == '"' || e == '\\') {
				c = e;
			} else if (e == 'n') {
				c = '\n';
			} else if (e == 't') {
				c = '\t';
			} else {
				char b[16];

				if (e < 0 || e == '\n') {
					perr(ps, t->loc, "unterminated string");
					bad = true;
					break;
				}
				describe_byte(b, sizeof(b), e);
				perr(ps, at, "invalid escape sequence: '\\' followed by %s", b);
				bad = true;
			}
			adv(ps);
		} else if (c == 0) {
			perr(ps, at, "NUL byte in string");
			bad = true;
		}
		if (v && n + 2 > cap) {
			char *nv = realloc(v, cap *= 2);

			if (!nv)
				free(v);
			v = nv;
		}
		if (v)
			v[n++] = c;
	}
	if (!v) {
		perr(ps, t->loc, "out of memory");
		bad = true;
	}
	if (bad) {
		free(v);
		t->kind = T_ERR;
		return;
	}
	v[n] = 0;
	t->kind = T_STR;
	t->str = v;
}

static void lex_number(struct parser *ps)
{
	struct tok *t = &ps->tok;

	while (isdigit(peekc(ps, 0)))
		adv(ps);
	if (peekc(ps, 0) == '.' && isdigit(peekc(ps, 1))) {
		adv(ps);
		while (isdigit(peekc(ps, 0)))
			adv(ps);
	}
	while (isascii(peekc(ps, 0)) && isalpha(peekc(ps, 0)))
		adv(ps);
	t->kind = T_NUM;
}

static void lex_word(struct parser *ps)
{
	struct tok *t = &ps->tok;

	while (cons_is_word(peekc(ps, 0)))
		adv(ps);
	t->len = ps->p - t->s;
	t->kind = cons_is_ident_str(t->s, t->len) ? T_IDENT : T_PATH;
	if (t->kind != T_IDENT || peekc(ps, 0) != '#')
		return;
	/* a continuation key: ident#N, written without blanks */
	adv(ps);
	if (!isdigit(peekc(ps, 0))) {
		struct cons_loc at = ps->pos;

		perr(ps, at, "expected a number after '#' in continuation key '%.*s#'",
		     (int)t->len, t->s);
		t->kind = T_ERR;
		return;
	}
	while (isdigit(peekc(ps, 0)))
		adv(ps);
	t->kind = T_KEY;
}

/* Next token into ps->tok.  Newlines are tokens outside braces. */
static void next(struct parser *ps)
{
	struct tok *t = &ps->tok;
	int c;

	free(t->str);
	t->str = NULL;
	for (;;) {
		c = peekc(ps, 0);
		if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v' ||
		    (c == '\n' && ps->depth)) {
			adv(ps);
		} else if (c == '#') {
			while (peekc(ps, 0) >= 0 && peekc(ps, 0) != '\n')
				adv(ps);
		} else {
			break;
		}
	}
	t->loc = ps->pos;
	t->s = ps->p;
	if (c < 0) {
		t->kind = T_EOF;
		t->len = 0;
		return;
	}
	if (c == '"') {
		lex_string(ps);
	} else if (isdigit(c)) {
		lex_number(ps);
	} else if (cons_is_word_start(c)) {
		lex_word(ps);
	} else {
		static const char punct[] = "\n{};:-,";
		static const enum tok_kind kinds[] = {
			T_NL, T_LBRACE, T_RBRACE, T_SEMI, T_COLON, T_DASH, T_COMMA,
		};
		const char *q = c ? strchr(punct, c) : NULL;

		adv(ps);
		if (q) {
			t->kind = kinds[q - punct];
		} else if (c >= 0x80) {
			/* one error for a run of UTF-8, not one per byte */
			while (peekc(ps, 0) >= 0x80)
				adv(ps);
			perr(ps, t->loc, "unexpected non-ASCII text (outside strings, names "
			     "are ASCII)");
			t->kind = T_ERR;
		} else {
			char b[16];

			describe_byte(b, sizeof(b), c);
			perr(ps, t->loc, "unexpected %s", b);
			t->kind = T_ERR;
		}
	}
	t->len = ps->p - t->s;
}

static bool tok_is(const struct parser *ps, const char *word)
{
	return ps->tok.kind == T_IDENT && strlen(word) == ps->tok.len &&
	       !memcmp(ps->tok.s, word, ps->tok.len);
}

/* How to name the current token in a message. */
static const char *tok_desc(const struct parser *ps, char *buf, size_t sz)
{
	const struct tok *t = &ps->tok;

	switch (t->kind) {
	case T_EOF:
		return "end of file";
	case T_NL:
		return "end of line";
	case T_STR:
		return "a string";
	default:
		snprintf(buf, sz, "'%.*s'", (int)(t->len > 40 ? 40 : t->len), t->s);
		return buf;
	}
}

/* Report "expected WHAT, found TOKEN" unless the lexer already complained. */
static void expected(struct parser *ps, const char *what)
{
	char b[64];

	if (ps->tok.kind == T_ERR)
		return;
	perr(ps, ps->tok.loc, "expected %s, found %s", what, tok_desc(ps, b, sizeof(b)));
}

static char *tok_dup(const struct tok *t)
{
	return t->kind == T_STR ? strdup(t->str) : strndup(t->s, t->len);
}

/* ---------------------------------------------------------------- numbers */

/*
 * Parse a T_NUM as a decimal with up to 6 fractional digits into millionths;
 * UNIT gets the suffix.  Returns false on overflow.
 */
static bool num_value(const struct tok *t, uint64_t *micro, const char **unit, size_t *ulen)
{
	const char *s = t->s, *e = t->s + t->len;
	uint64_t v = 0, frac = 0;
	unsigned nfrac = 0;

	for (; s < e && isdigit((unsigned char)*s); s++) {
		if (v > (UINT64_MAX - 9) / 10)
			return false;
		v = v * 10 + (*s - '0');
	}
	if (s < e && *s == '.') {
		for (s++; s < e && isdigit((unsigned char)*s); s++)
			if (nfrac < 6) {
				frac = frac * 10 + (*s - '0');
				nfrac++;
			}
	}
	while (nfrac < 6) {
		frac *= 10;
		nfrac++;
	}
	*unit = s;
	*ulen = e - s;
	if (v > UINT64_MAX / 1000000 - 1)
		return false;
	*micro = v * 1000000 + frac;
	return true;
}

static bool num_has_fraction(const struct tok *t)
{
	return memchr(t->s, '.', t->len) != NULL;
}

/* The largest duration accepted: one day, so arithmetic never overflows. */
#define MAX_DURATION_US (86400ULL * 1000000)

/* duration = NUMBER UNIT ; UNIT = "us" | "ms" | "s" | "m" */
static bool parse_duration(struct parser *ps, const char *after, uint64_t *us)
{
	static const struct { const char *u; uint64_t div, mul; } units[] = {
		{ "us", 1000000, 1 }, { "ms", 1000, 1 }, { "s", 1, 1 }, { "m", 1, 60 },
	};
	struct tok *t = &ps->tok;
	const char *unit;
	uint64_t micro;
	size_t ulen, i;

	if (t->kind != T_NUM) {
		char what[64];

		snprintf(what, sizeof(what), "a duration after '%s'", after);
		expected(ps, what);
		return false;
	}
	if (!num_value(t, &micro, &unit, &ulen) || micro / 1000000 > MAX_DURATION_US) {
		perr(ps, t->loc, "duration too large (at most 1 day)");
		return false;
	}
	if (!ulen) {
		perr(ps, t->loc, "duration '%.*s' needs a unit (us, ms, s or m)",
		     (int)t->len, t->s);
		return false;
	}
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strlen(units[i].u) == ulen && !memcmp(unit, units[i].u, ulen))
			break;
	if (i == sizeof(units) / sizeof(units[0])) {
		perr(ps, t->loc, "unknown duration unit '%.*s' (use us, ms, s or m)",
		     (int)(ulen > 20 ? 20 : ulen), unit);
		return false;
	}
	micro = micro / units[i].div * units[i].mul;
	if (micro > MAX_DURATION_US) {
		perr(ps, t->loc, "duration too large (at most 1 day)");
		return false;
	}
	*us = micro;
	next(ps);
	return true;
}

/* A positive integer that fits in an int (line numbers, tids). */
static bool parse_uint(struct parser *ps, const char *what, long *out)
{
	struct tok *t = &ps->tok;
	const char *unit;
	uint64_t micro;
	size_t ulen;

	if (t->kind != T_NUM) {
		expected(ps, what);
		return false;
	}
	if (num_has_fraction(t) || !num_value(t, &micro, &unit, &ulen) || ulen) {
		perr(ps, t->loc, "expected %s, found '%.*s'", what,
		     (int)(t->len > 40 ? 40 : t->len), t->s);
		return false;
	}
	if (micro / 1000000 > 0x7fffffff) {
		perr(ps, t->loc, "number too large");
		return false;
	}
	*out = micro / 1000000;
	next(ps);
	return true;
}

/* ------------------------------------------------------------ the grammar */

static void place_free(struct cons_place *p)
{
	free(p->function);
	free(p->key);
	free(p->file);
}

static void clause_free(struct cons_clause *c)
{
	free(c->who.name);
	for (size_t i = 0; i < c->nplaces; i++)
		place_free(&c->places[i]);
	free(c->places);
}

void cons_rule_free(struct cons_rule *r)
{
	for (size_t i = 0; i < r->nclauses; i++)
		clause_free(&r->clauses[i]);
	free(r->clauses);
	free(r->origin);
}

void cons_free(struct cons_file *cf)
{
	if (!cf)
		return;
	for (size_t i = 0; i < cf->nrules; i++)
		cons_rule_free(&cf->rules[i]);
	free(cf->rules);
	free(cf->path);
	free(cf);
}

void *cons_grow(void *v, size_t n, size_t size)
{
	/* one element at a time: these arrays are short */
	return realloc(v, (n + 1) * size);
}

/* A continuation key given as a string: "entry" or something with '#N'. */
static bool valid_key_string(const char *s)
{
	const char *h = strrchr(s, '#');

	if (!strcmp(s, "entry"))
		return true;
	if (!h || h == s || !h[1])
		return false;
	for (h++; *h; h++)
		if (!isdigit((unsigned char)*h))
			return false;
	return true;
}

/* Ordinals start at 1: recv#0 never exists. */
static bool check_key(struct parser *ps, const char *key, struct cons_loc loc)
{
	const char *h = strrchr(key, '#');

	if (h && strspn(h + 1, "0") == strlen(h + 1)) {
		perr(ps, loc, "continuation key '%s': ordinals start at 1", key);
		return false;
	}
	return true;
}

/* key = KEY | "entry" | STRING */
static bool parse_key(struct parser *ps, struct cons_place *pl)
{
	struct tok *t = &ps->tok;

	pl->key_loc = t->loc;
	if (t->kind == T_KEY || tok_is(ps, "entry")) {
		pl->key = tok_dup(t);
	} else if (t->kind == T_STR) {
		if (!valid_key_string(t->str)) {
			perr(ps, t->loc, "\"%.40s\" is not a continuation key "
			     "(callee#N, loop#N or entry)", t->str);
			return false;
		}
		pl->key = tok_dup(t);
	} else if (t->kind == T_IDENT) {
		perr(ps, t->loc, "'%.*s' is not a continuation key: write %.*s#N "
		     "(the N-th point with that name) or entry", (int)t->len, t->s,
		     (int)t->len, t->s);
		return false;
	} else {
		expected(ps, "a continuation key after 'at'");
		return false;
	}
	if (!pl->key)
		return false;
	if (!check_key(ps, pl->key, t->loc))
		return false;
	next(ps);
	return true;
}

/* lines = NUMBER [ "-" NUMBER ] */
static bool parse_lines(struct parser *ps, struct cons_place *pl)
{
	long first, last;
	struct cons_loc l2;

	pl->lines_loc = ps->tok.loc;
	if (!parse_uint(ps, "a line number after ':'", &first))
		return false;
	last = first;
	if (ps->tok.kind == T_DASH) {
		next(ps);
		l2 = ps->tok.loc;
		if (!parse_uint(ps, "a line number after '-'", &last))
			return false;
		if (last < first) {
			perr(ps, l2, "line range %ld-%ld ends before it starts", first, last);
			return false;
		}
	}
	if (first == 0) {
		perr(ps, pl->lines_loc, "line numbers start at 1");
		return false;
	}
	pl->first = first;
	pl->last = last;
	return true;
}

/*
 * place = FUNC [ "at" key ] | KEY | STRING-KEY | FILE ":" lines
 * FILE is a word with '.', '/', '-' or '+', an identifier, or a string.
 */
static bool parse_place(struct parser *ps, struct cons_place *pl)
{
	struct tok *t = &ps->tok;
	bool is_file;

	memset(pl, 0, sizeof(*pl));
	pl->loc = t->loc;
	if (t->kind == T_KEY) {
		pl->kind = CONS_PLACE_KEY;
		return parse_key(ps, pl);
	}
	if (t->kind != T_IDENT && t->kind != T_PATH && t->kind != T_STR) {
		expected(ps, "a function, file:line-line or continuation key");
		return false;
	}
	/* a file name is followed by ':' with no blank in between */
	is_file = ps->p < ps->end && *ps->p == ':';
	if (t->kind == T_STR && !is_file) {
		pl->kind = CONS_PLACE_KEY;
		return parse_key(ps, pl);
	}
	if (is_file) {
		pl->kind = CONS_PLACE_LINES;
		if (t->kind == T_STR && !t->str[0]) {
			perr(ps, t->loc, "empty file name");
			return false;
		}
		pl->file = tok_dup(t);
		if (!pl->file)
			return false;
		next(ps);	/* the name */
		next(ps);	/* ':' */
		return parse_lines(ps, pl);
	}
	if (t->kind == T_PATH) {
		perr(ps, t->loc, "'%.*s' is not a function name; a file needs ':LINE' or "
		     "':FIRST-LAST' after it", (int)(t->len > 40 ? 40 : t->len), t->s);
		return false;
	}
	pl->kind = CONS_PLACE_FUNC;
	pl->function = tok_dup(t);
	if (!pl->function)
		return false;
	next(ps);
	if (tok_is(ps, "at")) {
		next(ps);
		pl->kind = CONS_PLACE_FUNC_KEY;
		return parse_key(ps, pl);
	}
	return true;
}

/*
 * who = "any" | "thread" ( STRING | "comm" STRING | "tid" NUMBER | "role" IDENT )
 */
static bool parse_who(struct parser *ps, struct cons_who *w)
{
	struct tok *t = &ps->tok;

	memset(w, 0, sizeof(*w));
	w->loc = t->loc;
	if (tok_is(ps, "any")) {
		w->kind = CONS_WHO_ANY;
		next(ps);
		return true;
	}
	if (!tok_is(ps, "thread")) {
		expected(ps, "'any' or 'thread'");
		return false;
	}
	next(ps);
	w->loc = t->loc;
	if (tok_is(ps, "comm")) {
		next(ps);
		w->loc = t->loc;
		if (t->kind != T_STR) {
			expected(ps, "a quoted thread name after 'comm'");
			return false;
		}
	}
	if (t->kind == T_STR) {
		size_t n = strlen(t->str);

		if (!n) {
			perr(ps, t->loc, "empty thread name");
			return false;
		}
		if (n > CONS_COMM_MAX) {
			perr(ps, t->loc, "thread name \"%.40s\" is longer than %d characters: "
			     "Linux truncates names, so it can never match", t->str,
			     CONS_COMM_MAX);
			return false;
		}
		w->kind = CONS_WHO_COMM;
		w->name = tok_dup(t);
		next(ps);
		return w->name != NULL;
	}
	if (tok_is(ps, "tid")) {
		next(ps);
		w->loc = t->loc;
		w->kind = CONS_WHO_TID;
		if (!parse_uint(ps, "a thread id after 'tid'", &w->tid))
			return false;
		if (w->tid == 0) {
			perr(ps, w->loc, "thread ids start at 1");
			return false;
		}
		return true;
	}
	if (tok_is(ps, "role")) {
		next(ps);
		w->loc = t->loc;
		if (t->kind != T_IDENT) {
			expected(ps, "the start routine's name after 'role'");
			return false;
		}
		w->kind = CONS_WHO_ROLE;
		w->name = tok_dup(t);
		next(ps);
		return w->name != NULL;
	}
	if (t->kind == T_IDENT) {
		perr(ps, t->loc, "a thread is named \"comm\", comm \"name\", tid N or role "
		     "FUNCTION; found '%.*s' (write thread role %.*s for a start routine)",
		     (int)t->len, t->s, (int)t->len, t->s);
		return false;
	}
	expected(ps, "a thread name after 'thread' (\"comm\", tid N or role FUNCTION)");
	return false;
}

/* clause = who "in" place { "," place } */
static bool parse_clause(struct parser *ps, struct cons_clause *c)
{
	memset(c, 0, sizeof(*c));
	c->loc = ps->tok.loc;
	if (!parse_who(ps, &c->who))
		return false;
	if (!tok_is(ps, "in")) {
		expected(ps, "'in' after the thread");
		return false;
	}
	next(ps);
	for (;;) {
		struct cons_place *v = cons_grow(c->places, c->nplaces, sizeof(*v));

		if (!v)
			return false;
		c->places = v;
		if (!parse_place(ps, &c->places[c->nplaces])) {
			place_free(&c->places[c->nplaces]);
			return false;
		}
		c->nplaces++;
		if (ps->tok.kind != T_COMMA)
			return true;
		next(ps);
	}
}

static bool rule_add_clause(struct cons_rule *r, struct cons_clause *c)
{
	struct cons_clause *v = cons_grow(r->clauses, r->nclauses, sizeof(*v));

	if (!v) {
		clause_free(c);
		return false;
	}
	r->clauses = v;
	r->clauses[r->nclauses++] = *c;
	return true;
}

static bool at_statement_keyword(const struct parser *ps);

/*
 * conjunction = "{" clause { ";" clause } [ ";" ] "}"
 * On error the brace stays open in ps->depth for sync_statement().
 */
static bool parse_conjunction(struct parser *ps, struct cons_rule *r)
{
	struct cons_loc open = ps->tok.loc;
	struct cons_clause c;

	r->conjunction = true;
	ps->depth++;
	next(ps);
	while (ps->tok.kind != T_RBRACE) {
		if (ps->tok.kind == T_EOF ||
		    (ps->tok.loc.col == 1 && at_statement_keyword(ps))) {
			perr(ps, ps->tok.loc, "expected '}' to close the '{' at %u:%u",
			     open.line, open.col);
			return false;
		}
		if (!parse_clause(ps, &c)) {
			clause_free(&c);
			return false;
		}
		if (!rule_add_clause(r, &c))
			return false;
		if (ps->tok.kind == T_SEMI) {
			next(ps);
		} else if (ps->tok.kind == T_EOF ||
			   (ps->tok.loc.col == 1 && at_statement_keyword(ps))) {
			perr(ps, ps->tok.loc, "expected '}' to close the '{' at %u:%u",
			     open.line, open.col);
			return false;
		} else if (ps->tok.kind != T_RBRACE) {
			expected(ps, "';' or '}' after the clause");
			return false;
		}
	}
	if (!r->nclauses) {
		perr(ps, open, "empty conjunction: '{ }' needs at least one clause");
		return false;
	}
	ps->depth--;
	next(ps);
	return true;
}

static bool add_rule(struct parser *ps, struct cons_rule *r)
{
	struct cons_rule *v = cons_grow(ps->cf->rules, ps->cf->nrules, sizeof(*v));

	if (!v) {
		cons_rule_free(r);
		return false;
	}
	ps->cf->rules = v;
	ps->cf->rules[ps->cf->nrules++] = *r;
	return true;
}

/* forbid = "forbid" ( clause | conjunction ) */
static bool parse_forbid(struct parser *ps)
{
	struct cons_rule r = { .kind = CONS_FORBID, .loc = ps->tok.loc };
	struct cons_clause c;

	next(ps);
	if (ps->tok.kind == T_LBRACE) {
		if (!parse_conjunction(ps, &r))
			goto err;
	} else {
		if (!parse_clause(ps, &c)) {
			clause_free(&c);
			goto err;
		}
		if (!rule_add_clause(&r, &c))
			goto err;
	}
	return add_rule(ps, &r);
err:
	cons_rule_free(&r);
	return false;
}

/* require = "require" who "in" place { "," place }   (who is not "any") */
static bool parse_require(struct parser *ps)
{
	struct cons_rule r = { .kind = CONS_REQUIRE, .loc = ps->tok.loc };
	struct cons_clause c;

	next(ps);
	if (ps->tok.kind == T_LBRACE) {
		perr(ps, ps->tok.loc, "'require' takes one thread, not a conjunction: "
		     "write one require per thread");
		return false;
	}
	if (tok_is(ps, "any")) {
		perr(ps, ps->tok.loc, "'require' needs a named thread (\"comm\", tid N or "
		     "role FUNCTION), not 'any'");
		return false;
	}
	if (!parse_clause(ps, &c)) {
		clause_free(&c);
		return false;
	}
	if (!rule_add_clause(&r, &c))
		return false;
	return add_rule(ps, &r);
}

/* timeout = "timeout" duration */
static bool parse_timeout(struct parser *ps)
{
	struct cons_file *cf = ps->cf;
	struct cons_loc at = ps->tok.loc;
	uint64_t us;

	if (cf->has_timeout) {
		perr(ps, at, "duplicate 'timeout' (the first is at %u:%u)", cf->timeout_loc.line,
		     cf->timeout_loc.col);
		return false;
	}
	next(ps);
	at = ps->tok.loc;
	if (!parse_duration(ps, "timeout", &us))
		return false;
	if (!us) {
		perr(ps, at, "timeout must be longer than 0");
		return false;
	}
	cf->timeout_us = us;
	cf->has_timeout = true;
	cf->timeout_loc = at;
	return true;
}

/* retry = "retry" duration [ "backoff" NUMBER ] [ "max" duration ] */
static bool parse_retry(struct parser *ps)
{
	struct cons_file *cf = ps->cf;
	struct cons_loc at = ps->tok.loc, bat, mat;
	uint64_t us, max = 0;
	unsigned backoff = 1000;
	bool has_max = false;

	if (cf->has_retry) {
		perr(ps, at, "duplicate 'retry' (the first is at %u:%u)", cf->retry_loc.line,
		     cf->retry_loc.col);
		return false;
	}
	next(ps);
	at = ps->tok.loc;
	if (!parse_duration(ps, "retry", &us))
		return false;
	if (!us) {
		perr(ps, at, "retry interval must be longer than 0");
		return false;
	}
	if (tok_is(ps, "backoff")) {
		const char *unit;
		uint64_t micro;
		size_t ulen;

		next(ps);
		bat = ps->tok.loc;
		if (ps->tok.kind != T_NUM) {
			expected(ps, "a factor after 'backoff'");
			return false;
		}
		if (!num_value(&ps->tok, &micro, &unit, &ulen) || ulen) {
			perr(ps, bat, "backoff factor '%.*s' must be a plain number such as 2 "
			     "or 1.5", (int)(ps->tok.len > 20 ? 20 : ps->tok.len), ps->tok.s);
			return false;
		}
		if (micro < 1000000 || micro > 16000000) {
			perr(ps, bat, "backoff factor must be between 1 and 16");
			return false;
		}
		backoff = micro / 1000;
		next(ps);
	} else {
		backoff = CONS_DEFAULT_BACKOFF_MILLI;
	}
	if (tok_is(ps, "max")) {
		next(ps);
		mat = ps->tok.loc;
		if (!parse_duration(ps, "max", &max))
			return false;
		if (max < us) {
			perr(ps, mat, "'max' must not be shorter than the retry interval");
			return false;
		}
		has_max = true;
	}
	cf->retry_us = us;
	cf->backoff_milli = backoff;
	cf->retry_max_us = has_max ? max : (us > CONS_DEFAULT_RETRY_MAX_US ? us :
					    CONS_DEFAULT_RETRY_MAX_US);
	cf->has_retry = true;
	cf->retry_loc = at;
	return true;
}

static bool at_statement_keyword(const struct parser *ps)
{
	return tok_is(ps, "forbid") || tok_is(ps, "require") || tok_is(ps, "timeout") ||
	       tok_is(ps, "retry");
}

/*
 * Skip to the end of the statement after an error.  Inside braces the
 * statement goes on to the closing one, but an unclosed brace must not
 * swallow the rest of the file: a line that starts with a statement keyword
 * starts a new statement.
 */
static void sync_statement(struct parser *ps)
{
	while (!ps->stop && ps->tok.kind != T_EOF) {
		if (ps->tok.kind == T_NL && !ps->depth)
			break;
		if (ps->depth && ps->tok.loc.col == 1 && at_statement_keyword(ps))
			break;
		if (ps->tok.kind == T_LBRACE)
			ps->depth++;
		else if (ps->tok.kind == T_RBRACE && ps->depth)
			ps->depth--;
		next(ps);
	}
	ps->depth = 0;
}

static void parse_statement(struct parser *ps)
{
	bool ok;

	if (tok_is(ps, "timeout"))
		ok = parse_timeout(ps);
	else if (tok_is(ps, "retry"))
		ok = parse_retry(ps);
	else if (tok_is(ps, "forbid"))
		ok = parse_forbid(ps);
	else if (tok_is(ps, "require"))
		ok = parse_require(ps);
	else {
		expected(ps, "a statement (timeout, retry, forbid or require)");
		ok = false;
	}
	if (ok && ps->tok.kind != T_NL && ps->tok.kind != T_EOF) {
		char b[64];

		if (ps->tok.kind != T_ERR)
			perr(ps, ps->tok.loc, "unexpected %s after the statement "
			     "(one statement per line)", tok_desc(ps, b, sizeof(b)));
		ok = false;
	}
	if (!ok)
		sync_statement(ps);
}

/* Checks that need the whole file. */
static void check_file(struct parser *ps)
{
	struct cons_file *cf = ps->cf;

	if (cf->has_timeout && cf->has_retry && cf->retry_us >= cf->timeout_us)
		perr(ps, cf->retry_loc, "retry interval is not shorter than the timeout "
		     "(at %u:%u): the check would never be retried", cf->timeout_loc.line,
		     cf->timeout_loc.col);
}

struct cons_file *cons_parse(const char *name, const char *text, size_t len,
			     struct cons_diags *diags)
{
	struct parser ps = {
		.p = text, .end = text + len, .pos = { 1, 1 }, .d = diags,
	};

	if (diags && !diags->file)
		diags->file = strdup(name ? name : "<input>");
	ps.cf = calloc(1, sizeof(*ps.cf));
	if (!ps.cf || !(ps.cf->path = strdup(name ? name : "<input>"))) {
		cons_free(ps.cf);
		errno = ENOMEM;
		return NULL;
	}
	ps.cf->timeout_us = CONS_DEFAULT_TIMEOUT_US;
	ps.cf->retry_us = CONS_DEFAULT_RETRY_US;
	ps.cf->backoff_milli = CONS_DEFAULT_BACKOFF_MILLI;
	ps.cf->retry_max_us = CONS_DEFAULT_RETRY_MAX_US;
	/* editors may start a UTF-8 file with a byte-order mark: not a column */
	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		ps.p += 3;
	next(&ps);
	while (ps.tok.kind != T_EOF && !ps.stop) {
		if (ps.tok.kind == T_NL) {
			next(&ps);
			continue;
		}
		parse_statement(&ps);
	}
	if (!ps.nerr)
		check_file(&ps);
	free(ps.tok.str);
	if (ps.nerr) {
		cons_free(ps.cf);
		errno = EINVAL;
		return NULL;
	}
	return ps.cf;
}

struct cons_file *cons_parse_file(const char *path, struct cons_diags *diags)
{
	struct cons_file *cf;
	size_t len = 0, cap = 0;
	char *buf = NULL;
	FILE *f = fopen(path, "re");
	int err;

	if (!f) {
		err = errno;
		if (diags) {
			if (!diags->file)
				diags->file = strdup(path);
			cons_diag_add(diags, (struct cons_loc){ 0, 0 }, "cannot open: %s",
				 strerror(err));
		}
		errno = err;
		return NULL;
	}
	for (;;) {
		size_t n, want;

		if (len == cap) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 4096);

			if (!nb) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
		}
		want = cap - len;
		n = fread(buf + len, 1, want, f);
		len += n;
		if (n < want)
			break;	/* end of file or error */
	}
	err = ferror(f) ? EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		errno = err;
		return NULL;
	}
	cf = cons_parse(path, buf, len, diags);
	err = errno;
	free(buf);
	errno = err;
	return cf;
}
