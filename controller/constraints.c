// SPDX-License-Identifier: GPL-2.0
/*
 * Constraint files: a hand-written lexer and recursive-descent parser, the
 * evaluator on thread stacks, automatic constraints and the validator.
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

/* ------------------------------------------------------------ diagnostics */

static void diag_add(struct cons_diags *d, struct cons_loc loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void diag_add(struct cons_diags *d, struct cons_loc loc, const char *fmt, ...)
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
		diag_add(ps->d, loc, "too many errors, stopping");
		ps->stop = true;
		return;
	}
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_add(ps->d, loc, "%s", msg ? msg : "out of memory");
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

static bool is_word_start(int c)
{
	return isascii(c) && (isalpha(c) || c == '_' || c == '.' || c == '/');
}

static bool is_word(int c)
{
	return isascii(c) && (isalnum(c) || c == '_' || c == '.' || c == '/' || c == '-' ||
			      c == '+');
}

static bool is_ident_str(const char *s, size_t n)
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

	while (is_word(peekc(ps, 0)))
		adv(ps);
	t->len = ps->p - t->s;
	t->kind = is_ident_str(t->s, t->len) ? T_IDENT : T_PATH;
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
	} else if (is_word_start(c)) {
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

static void rule_free(struct cons_rule *r)
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
		rule_free(&cf->rules[i]);
	free(cf->rules);
	free(cf->path);
	free(cf);
}

static void *grow(void *v, size_t n, size_t size)
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
		struct cons_place *v = grow(c->places, c->nplaces, sizeof(*v));

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
	struct cons_clause *v = grow(r->clauses, r->nclauses, sizeof(*v));

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
	struct cons_rule *v = grow(ps->cf->rules, ps->cf->nrules, sizeof(*v));

	if (!v) {
		rule_free(r);
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
	rule_free(&r);
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
			diag_add(diags, (struct cons_loc){ 0, 0 }, "cannot open: %s",
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

/* The wait after one of D: D times the backoff, rounded up, within the cap. */
static uint64_t next_delay(const struct cons_file *cf, uint64_t d)
{
	if (d >= cf->retry_max_us)
		return cf->retry_max_us;
	/* durations are at most a day, so this does not overflow */
	d = (d * cf->backoff_milli + 999) / 1000;
	return d < cf->retry_max_us ? d : cf->retry_max_us;
}

uint64_t cons_retry_delay_us(const struct cons_file *cf, unsigned attempt)
{
	uint64_t d = cf->retry_us < cf->retry_max_us ? cf->retry_us : cf->retry_max_us;

	/* a factor of 1 never grows: stop as soon as the wait does not change */
	for (unsigned i = 0; i < attempt; i++) {
		uint64_t n = next_delay(cf, d);

		if (n == d)
			break;
		d = n;
	}
	return d;
}

/* ------------------------------------------------------------- printing */

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static bool key_is_token(const char *k)
{
	const char *h = strchr(k, '#');

	return !strcmp(k, "entry") || (h && is_ident_str(k, h - k) && h[1] &&
				       strspn(h + 1, "0123456789") == strlen(h + 1));
}

static bool file_is_token(const char *s)
{
	if (!is_word_start((unsigned char)s[0]))
		return false;
	for (; *s; s++)
		if (!is_word((unsigned char)*s))
			return false;
	return true;
}

static void print_key(FILE *f, const char *k)
{
	if (key_is_token(k))
		fputs(k, f);
	else
		put_string(f, k);
}

static void print_place(FILE *f, const struct cons_place *p)
{
	switch (p->kind) {
	case CONS_PLACE_FUNC:
		fputs(p->function, f);
		break;
	case CONS_PLACE_FUNC_KEY:
		fprintf(f, "%s at ", p->function);
		print_key(f, p->key);
		break;
	case CONS_PLACE_KEY:
		print_key(f, p->key);
		break;
	case CONS_PLACE_LINES:
		if (file_is_token(p->file))
			fputs(p->file, f);
		else
			put_string(f, p->file);
		if (p->first == p->last)
			fprintf(f, ":%u", p->first);
		else
			fprintf(f, ":%u-%u", p->first, p->last);
		break;
	}
}

static void print_who(FILE *f, const struct cons_who *w)
{
	switch (w->kind) {
	case CONS_WHO_ANY:
		fputs("any", f);
		break;
	case CONS_WHO_COMM:
		fputs("thread ", f);
		put_string(f, w->name);
		break;
	case CONS_WHO_TID:
		fprintf(f, "thread tid %ld", w->tid);
		break;
	case CONS_WHO_ROLE:
		fprintf(f, "thread role %s", w->name);
		break;
	}
}

static void print_region(FILE *f, const struct cons_clause *c)
{
	for (size_t i = 0; i < c->nplaces; i++) {
		if (i)
			fputs(", ", f);
		print_place(f, &c->places[i]);
	}
}

static void print_clause(FILE *f, const struct cons_clause *c)
{
	print_who(f, &c->who);
	fputs(" in ", f);
	print_region(f, c);
}

static void print_rule(FILE *f, const struct cons_rule *r)
{
	fputs(r->kind == CONS_FORBID ? "forbid " : "require ", f);
	if (r->conjunction) {
		fputs("{ ", f);
		for (size_t i = 0; i < r->nclauses; i++) {
			if (i)
				fputs(" ; ", f);
			print_clause(f, &r->clauses[i]);
		}
		fputs(" }", f);
	} else {
		print_clause(f, &r->clauses[0]);
	}
}

char *cons_rule_str(const struct cons_rule *r)
{
	char *s = NULL;
	size_t n;
	FILE *f = open_memstream(&s, &n);

	if (!f)
		return NULL;
	print_rule(f, r);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* A duration in the largest unit that keeps it exact. */
static void print_duration(FILE *f, uint64_t us)
{
	if (us && us % 60000000 == 0)
		fprintf(f, "%llum", (unsigned long long)(us / 60000000));
	else if (us % 1000000 == 0)
		fprintf(f, "%llus", (unsigned long long)(us / 1000000));
	else if (us % 1000 == 0)
		fprintf(f, "%llums", (unsigned long long)(us / 1000));
	else
		fprintf(f, "%lluus", (unsigned long long)us);
}

static void print_backoff(FILE *f, unsigned milli)
{
	if (milli % 1000 == 0)
		fprintf(f, "%u", milli / 1000);
	else
		fprintf(f, "%u.%03u", milli / 1000, milli % 1000);
}

void cons_print(const struct cons_file *cf, FILE *out)
{
	if (cf->has_timeout) {
		fputs("timeout ", out);
		print_duration(out, cf->timeout_us);
		fputc('\n', out);
	}
	if (cf->has_retry) {
		fputs("retry ", out);
		print_duration(out, cf->retry_us);
		fputs(" backoff ", out);
		print_backoff(out, cf->backoff_milli);
		fputs(" max ", out);
		print_duration(out, cf->retry_max_us);
		fputc('\n', out);
	}
	for (size_t i = 0; i < cf->nrules; i++) {
		if (cf->rules[i].origin)
			fputs("# automatic: ", out);
		print_rule(out, &cf->rules[i]);
		fputc('\n', out);
	}
}

static const char *place_kind_name(enum cons_place_kind k)
{
	static const char *const n[] = { "function", "key", "function-key", "lines" };

	return n[k];
}

static const char *who_kind_name(enum cons_who_kind k)
{
	static const char *const n[] = { "any", "comm", "tid", "role" };

	return n[k];
}

void cons_dump(const struct cons_file *cf, FILE *out)
{
	fprintf(out, "timeout %llu us%s\n", (unsigned long long)cf->timeout_us,
		cf->has_timeout ? "" : " (default)");
	fprintf(out, "retry %llu us backoff %u/1000 max %llu us%s\n",
		(unsigned long long)cf->retry_us, cf->backoff_milli,
		(unsigned long long)cf->retry_max_us, cf->has_retry ? "" : " (default)");
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		fprintf(out, "rule %zu %s%s at %u:%u\n", i + 1,
			r->kind == CONS_FORBID ? "forbid" : "require",
			r->conjunction ? " conjunction" : "", r->loc.line, r->loc.col);
		if (r->origin)
			fprintf(out, "  origin %s\n", r->origin);
		for (size_t j = 0; j < r->nclauses; j++) {
			const struct cons_clause *c = &r->clauses[j];

			fprintf(out, "  clause %s", who_kind_name(c->who.kind));
			if (c->who.kind == CONS_WHO_TID)
				fprintf(out, " %ld", c->who.tid);
			else if (c->who.name)
				fprintf(out, " \"%s\"", c->who.name);
			fprintf(out, " at %u:%u\n", c->who.loc.line, c->who.loc.col);
			for (size_t k = 0; k < c->nplaces; k++) {
				const struct cons_place *p = &c->places[k];

				fprintf(out, "    %s", place_kind_name(p->kind));
				if (p->function)
					fprintf(out, " function=%s", p->function);
				if (p->key)
					fprintf(out, " key=\"%s\"", p->key);
				if (p->file)
					fprintf(out, " file=\"%s\" lines=%u-%u", p->file,
						p->first, p->last);
				fprintf(out, " at %u:%u\n", p->loc.line, p->loc.col);
			}
		}
	}
}

/* ------------------------------------------------------------- evaluation */

bool cons_file_matches(const char *frame_file, const char *pattern)
{
	size_t fl, pl;

	if (!frame_file || !pattern)
		return false;
	fl = strlen(frame_file);
	pl = strlen(pattern);
	if (fl == pl)
		return !strcmp(frame_file, pattern);
	/* either may be the longer path: "/src/ftp/transfer.c" and "transfer.c" */
	if (fl > pl)
		return frame_file[fl - pl - 1] == '/' && !strcmp(frame_file + fl - pl, pattern);
	return pattern[pl - fl - 1] == '/' && !strcmp(pattern + pl - fl, frame_file);
}

static bool str_eq(const char *a, const char *b)
{
	return a && b && !strcmp(a, b);
}

static bool place_matches(const struct cons_place *p, const struct cons_frame *fr)
{
	switch (p->kind) {
	case CONS_PLACE_FUNC:
		return str_eq(fr->function, p->function);
	case CONS_PLACE_KEY:
		return str_eq(fr->cp_key, p->key);
	case CONS_PLACE_FUNC_KEY:
		return str_eq(fr->function, p->function) && str_eq(fr->cp_key, p->key);
	case CONS_PLACE_LINES:
		return fr->line >= p->first && fr->line <= p->last &&
		       cons_file_matches(fr->file, p->file);
	}
	return false;
}

static bool who_matches(const struct cons_who *w, const struct cons_thread *t)
{
	switch (w->kind) {
	case CONS_WHO_ANY:
		return true;
	case CONS_WHO_COMM:
		return str_eq(t->comm, w->name);
	case CONS_WHO_TID:
		return t->tid == w->tid;
	case CONS_WHO_ROLE:
		return str_eq(t->role, w->name);
	}
	return false;
}

/* The innermost frame of T in the clause's region, or -1. */
static int frame_in_region(const struct cons_clause *c, const struct cons_thread *t)
{
	for (size_t i = 0; i < t->nframes; i++)
		for (size_t j = 0; j < c->nplaces; j++)
			if (place_matches(&c->places[j], &t->frames[i]))
				return (int)i;
	return -1;
}

static void print_thread(FILE *f, const struct cons_thread *t)
{
	fprintf(f, "thread %d (%s", t->tid, t->comm ? t->comm : "?");
	if (t->role)
		fprintf(f, ", role %s", t->role);
	fputc(')', f);
}

static void print_frame(FILE *f, const struct cons_thread *t, int i)
{
	const struct cons_frame *fr = &t->frames[i];

	fprintf(f, "frame #%d %s", i, fr->function ? fr->function : "??");
	if (fr->file)
		fprintf(f, " (%s:%u)", fr->file, fr->line);
	if (fr->cp_key)
		fprintf(f, " at %s", fr->cp_key);
}

static void print_rule_head(FILE *f, const struct cons_file *cf, const struct cons_rule *r)
{
	if (r->origin)
		fputs("automatic constraint ", f);
	else
		fprintf(f, "%s:%u:%u: ", cf->path, r->loc.line, r->loc.col);
	print_rule(f, r);
	fputs(": ", f);
}

struct vbuild {
	struct cons_violation v;
	FILE *f;
	char *text;
	size_t len;
};

static int result_push(struct cons_result *res, struct cons_violation *v)
{
	struct cons_violation *nv;

	if (!res) {
		free(v->w);
		free(v->reason);
		return 0;
	}
	nv = grow(res->v, res->n, sizeof(*nv));
	if (!nv) {
		free(v->w);
		free(v->reason);
		return -ENOMEM;
	}
	res->v = nv;
	res->v[res->n++] = *v;
	return 0;
}

/* One violation with NW witnesses, whose reason the caller writes to *F. */
static int vb_open(struct vbuild *b, const struct cons_file *cf, const struct cons_rule *r,
		   size_t nw)
{
	memset(b, 0, sizeof(*b));
	b->v.rule = r;
	b->v.nw = nw;
	b->v.w = calloc(nw ? nw : 1, sizeof(*b->v.w));
	b->f = open_memstream(&b->text, &b->len);
	if (!b->v.w || !b->f) {
		free(b->v.w);
		if (b->f)
			fclose(b->f);
		free(b->text);
		return -ENOMEM;
	}
	print_rule_head(b->f, cf, r);
	return 0;
}

static int vb_close(struct vbuild *b, struct cons_result *res)
{
	if (fclose(b->f)) {
		free(b->text);
		free(b->v.w);
		return -ENOMEM;
	}
	b->v.reason = b->text;
	return result_push(res, &b->v);
}

/* A single-clause forbid: one violation per thread inside the region. */
static int eval_forbid_one(const struct cons_file *cf, const struct cons_rule *r,
			   const struct cons_snapshot *s, struct cons_result *res)
{
	const struct cons_clause *c = &r->clauses[0];
	int nviol = 0, err;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cons_thread *t = &s->threads[i];
		struct vbuild b;
		int fr;

		if (!who_matches(&c->who, t) || (fr = frame_in_region(c, t)) < 0)
			continue;
		nviol++;
		err = vb_open(&b, cf, r, 1);
		if (err)
			return err;
		b.v.w[0] = (struct cons_witness){ t->tid, fr };
		print_thread(b.f, t);
		fputs(" is inside, at ", b.f);
		print_frame(b.f, t, fr);
		err = vb_close(&b, res);
		if (err)
			return err;
	}
	return nviol;
}

/* A conjunction: violated when every clause holds for some thread. */
static int eval_forbid_all(const struct cons_file *cf, const struct cons_rule *r,
			   const struct cons_snapshot *s, struct cons_result *res)
{
	size_t *who = calloc(r->nclauses, sizeof(*who));	/* thread of each clause */
	int *frame = calloc(r->nclauses, sizeof(*frame));
	struct vbuild b;
	int err = 0;

	if (!who || !frame) {
		err = -ENOMEM;
		goto out;
	}
	for (size_t j = 0; j < r->nclauses; j++) {
		frame[j] = -1;
		for (size_t i = 0; i < s->nthreads && frame[j] < 0; i++) {
			if (!who_matches(&r->clauses[j].who, &s->threads[i]))
				continue;
			who[j] = i;
			frame[j] = frame_in_region(&r->clauses[j], &s->threads[i]);
		}
		if (frame[j] < 0)
			goto out;	/* this clause does not hold: neither does the whole */
	}
	err = vb_open(&b, cf, r, r->nclauses);
	if (err)
		goto out;
	for (size_t j = 0; j < r->nclauses; j++) {
		const struct cons_thread *t = &s->threads[who[j]];

		b.v.w[j] = (struct cons_witness){ t->tid, frame[j] };
		if (j)
			fputs("; and ", b.f);
		print_thread(b.f, t);
		fputs(" is at ", b.f);
		print_frame(b.f, t, frame[j]);
	}
	err = vb_close(&b, res);
	err = err ? err : 1;
out:
	free(who);
	free(frame);
	return err;
}

/* A require: every thread the clause names must be in the region. */
static int eval_require(const struct cons_file *cf, const struct cons_rule *r,
			const struct cons_snapshot *s, struct cons_result *res)
{
	const struct cons_clause *c = &r->clauses[0];
	int nviol = 0, nmatch = 0, err;
	struct vbuild b;

	for (size_t i = 0; i < s->nthreads; i++) {
		const struct cons_thread *t = &s->threads[i];

		if (!who_matches(&c->who, t))
			continue;
		nmatch++;
		if (frame_in_region(c, t) >= 0)
			continue;
		nviol++;
		err = vb_open(&b, cf, r, 1);
		if (err)
			return err;
		b.v.w[0] = (struct cons_witness){ t->tid, t->nframes ? 0 : -1 };
		print_thread(b.f, t);
		fputs(" is not in ", b.f);
		print_region(b.f, c);
		if (t->nframes) {
			fputs(" (innermost ", b.f);
			print_frame(b.f, t, 0);
			fputc(')', b.f);
		} else {
			fputs(" (no stack)", b.f);
		}
		err = vb_close(&b, res);
		if (err)
			return err;
	}
	if (nmatch)
		return nviol;
	/* a thread that does not exist cannot be where it is required */
	err = vb_open(&b, cf, r, 0);
	if (err)
		return err;
	b.v.nw = 0;
	fputs("no thread is ", b.f);
	print_who(b.f, &c->who);
	err = vb_close(&b, res);
	return err ? err : 1;
}

int cons_eval(const struct cons_file *cf, const struct cons_snapshot *snap,
	      struct cons_result *res)
{
	int total = 0, n;

	if (res)
		memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		if (r->kind == CONS_REQUIRE)
			n = eval_require(cf, r, snap, res);
		else if (r->nclauses == 1)
			n = eval_forbid_one(cf, r, snap, res);
		else
			n = eval_forbid_all(cf, r, snap, res);
		if (n < 0) {
			cons_result_free(res);
			return n;
		}
		total += n;
	}
	return total ? 0 : 1;
}

void cons_result_free(struct cons_result *res)
{
	if (!res)
		return;
	for (size_t i = 0; i < res->n; i++) {
		free(res->v[i].w);
		free(res->v[i].reason);
	}
	free(res->v);
	memset(res, 0, sizeof(*res));
}

bool cons_violation_has_tid(const struct cons_violation *v, int tid)
{
	for (size_t i = 0; i < v->nw; i++)
		if (v->w[i].tid == tid)
			return true;
	return false;
}

/* ------------------------------------------------------- the retry loop */

int cons_wait(const struct cons_file *cf, const struct cons_driver *drv, uint64_t start_us,
	      struct cons_snapshot *snap, struct cons_result *res,
	      struct cons_wait_stats *stats)
{
	struct cons_wait_stats st = { 0 };
	struct cons_result last = { 0 };
	uint64_t deadline = start_us + cf->timeout_us;
	uint64_t delay = cons_retry_delay_us(cf, 0), now;
	int ret;

	for (;; delay = next_delay(cf, delay)) {
		memset(snap, 0, sizeof(*snap));
		ret = drv->snapshot(drv->arg, snap);
		if (ret == -EAGAIN) {
			st.not_ready++;
		} else if (ret < 0) {
			goto out;
		} else {
			st.checks++;
			cons_result_free(&last);
			ret = cons_eval(cf, snap, &last);
			if (ret == 1)
				goto out;	/* threads stay stopped for the update */
			drv->release(drv->arg, snap);
			if (ret < 0)
				goto out;
		}
		now = drv->now_us(drv->arg);
		if (now >= deadline || deadline - now <= delay) {
			ret = 0;
			goto out;
		}
		drv->sleep_us(drv->arg, delay);
	}
out:
	if (ret < 0 || ret == 1)
		cons_result_free(&last);
	if (res)
		*res = last;
	else
		cons_result_free(&last);
	if (stats)
		*stats = st;
	return ret;
}

/* ---------------------------------------------------- automatic constraints */

int cons_add_automatic(struct cons_file *cf, const struct cons_unmapped *u, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct cons_rule r = { .kind = CONS_FORBID };
		struct cons_place *p = calloc(1, sizeof(*p));
		struct cons_clause *c = calloc(1, sizeof(*c));
		struct cons_rule *v;
		int len;

		if (!p || !c)
			goto nomem;
		p->kind = CONS_PLACE_FUNC_KEY;
		p->function = strdup(u[i].function);
		p->key = strdup(u[i].key);
		if (u[i].file)
			len = asprintf(&r.origin, "%s:%u: continuation point %s at %s: %s",
				       u[i].file, u[i].line, u[i].function, u[i].key,
				       u[i].why ? u[i].why : "the patch cannot map it");
		else
			len = asprintf(&r.origin, "continuation point %s at %s: %s",
				       u[i].function, u[i].key,
				       u[i].why ? u[i].why : "the patch cannot map it");
		if (len < 0)
			r.origin = NULL;
		c->who.kind = CONS_WHO_ANY;
		c->places = p;
		c->nplaces = 1;
		r.clauses = c;
		r.nclauses = 1;
		p = NULL;
		c = NULL;
		if (!r.origin || !r.clauses[0].places[0].function || !r.clauses[0].places[0].key)
			goto nomem;
		v = grow(cf->rules, cf->nrules, sizeof(*v));
		if (!v)
			goto nomem;
		cf->rules = v;
		cf->rules[cf->nrules++] = r;
		cf->nauto++;
		continue;
nomem:
		free(p);
		free(c);
		rule_free(&r);
		return -ENOMEM;
	}
	return 0;
}

static bool str_eq(const char *a, const char *b);

static const char *base_name(const char *path)
{
	const char *b = path ? strrchr(path, '/') : NULL;

	return b ? b + 1 : path;
}

/*
 * F's counterpart in PG: the function of that name, and of the same file
 * name when there are several (static functions); the versions usually live
 * in different directories, so only the last component is compared.
 */
static const struct cons_prog_func *same_func(const struct cons_program *pg,
					      const struct cons_prog_func *f)
{
	const struct cons_prog_func *any = NULL;

	for (size_t i = 0; i < pg->nfuncs; i++) {
		const struct cons_prog_func *g = &pg->funcs[i];

		if (!str_eq(g->name, f->name))
			continue;
		if (!g->file || !f->file || str_eq(base_name(g->file), base_name(f->file)))
			return g;
		any = any ? any : g;
	}
	return any;
}

int cons_unmapped_points(const struct cons_program *old, const struct cons_program *new,
			 struct cons_unmapped **out, size_t *n)
{
	struct cons_unmapped *v = NULL;
	size_t nv = 0;

	for (size_t i = 0; i < old->nfuncs; i++) {
		const struct cons_prog_func *f = &old->funcs[i], *g = same_func(new, f);

		for (size_t k = 0; k < f->ncps; k++) {
			bool mapped = false;
			struct cons_unmapped *nvv;

			for (size_t j = 0; g && j < g->ncps && !mapped; j++)
				mapped = str_eq(g->cps[j].key, f->cps[k].key);
			if (mapped)
				continue;
			nvv = grow(v, nv, sizeof(*v));
			if (!nvv) {
				free(v);
				return -ENOMEM;
			}
			v = nvv;
			v[nv++] = (struct cons_unmapped){
				.function = f->name, .key = f->cps[k].key, .file = f->file,
				.line = f->cps[k].line,
				.why = g ? "no point with this key in the patch" :
					   "the patch has no such function",
			};
		}
	}
	*out = v;
	*n = nv;
	return 0;
}

void cons_explain(const struct cons_file *cf, FILE *out)
{
	fputs("timeout ", out);
	print_duration(out, cf->timeout_us);
	fprintf(out, "%s\nretry ", cf->has_timeout ? "" : " (default)");
	print_duration(out, cf->retry_us);
	fputs(" backoff ", out);
	print_backoff(out, cf->backoff_milli);
	fputs(" max ", out);
	print_duration(out, cf->retry_max_us);
	fprintf(out, "%s\n", cf->has_retry ? "" : " (default)");
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		print_rule(out, r);
		if (r->origin)
			fprintf(out, "\n    automatic: %s\n", r->origin);
		else
			fprintf(out, "\n    from %s:%u:%u\n", cf->path, r->loc.line, r->loc.col);
	}
}

/* ------------------------------------------------------------- validation */

static const struct cons_prog_func *find_func(const struct cons_program *pg, const char *name,
					      size_t from)
{
	for (size_t i = from; i < pg->nfuncs; i++)
		if (str_eq(pg->funcs[i].name, name))
			return &pg->funcs[i];
	return NULL;
}

static bool func_has_key(const struct cons_prog_func *f, const char *key)
{
	for (size_t i = 0; i < f->ncps; i++)
		if (str_eq(f->cps[i].key, key))
			return true;
	return false;
}

/* Levenshtein distance, capped: for "did you mean". */
static size_t edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64], prev, tmp;

	if (la >= 63 || lb >= 63)
		return 99;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t best = prev + (a[i - 1] != b[j - 1]);

			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			tmp = row[j];
			row[j] = best;
			prev = tmp;
		}
	}
	return row[lb];
}

static const char *closest_func(const struct cons_program *pg, const char *name)
{
	const char *best = NULL;
	size_t bd = strlen(name) / 3 + 1;

	for (size_t i = 0; i < pg->nfuncs; i++) {
		size_t d = edit_distance(name, pg->funcs[i].name);

		if (d <= bd && (!best || d < bd)) {
			best = pg->funcs[i].name;
			bd = d;
		}
	}
	return best;
}

static void unknown_func(const struct cons_program *pg, struct cons_diags *d,
			 struct cons_loc loc, const char *what, const char *name)
{
	const char *near = closest_func(pg, name);

	if (near)
		diag_add(d, loc, "unknown %s '%s' in %s (did you mean '%s'?)", what, name,
			 pg->name, near);
	else
		diag_add(d, loc, "unknown %s '%s' in %s", what, name, pg->name);
}

static void list_keys(FILE *f, const struct cons_prog_func *fn)
{
	for (size_t i = 0; i < fn->ncps && i < 12; i++)
		fprintf(f, "%s%s", i ? ", " : "", fn->cps[i].key);
	if (fn->ncps > 12)
		fprintf(f, ", ... (%zu in all)", fn->ncps);
}

static int validate_place(const struct cons_place *p, const struct cons_program *pg,
			  struct cons_diags *d)
{
	const struct cons_prog_func *fn;
	bool any_file = false, any_line = false, unknown_extent = false;

	switch (p->kind) {
	case CONS_PLACE_FUNC:
		if (find_func(pg, p->function, 0))
			return 0;
		unknown_func(pg, d, p->loc, "function", p->function);
		return 1;
	case CONS_PLACE_FUNC_KEY: {
		char *list = NULL;
		size_t len;
		FILE *f;

		fn = find_func(pg, p->function, 0);
		if (!fn) {
			unknown_func(pg, d, p->loc, "function", p->function);
			return 1;
		}
		for (const struct cons_prog_func *g = fn; g; g = find_func(pg, p->function,
									  g - pg->funcs + 1))
			if (func_has_key(g, p->key))
				return 0;
		f = open_memstream(&list, &len);
		if (f) {
			list_keys(f, fn);
			fclose(f);
		}
		diag_add(d, p->key_loc, "function '%s' has no continuation point '%s' "
			 "(it has: %s)", p->function, p->key, list ? list : "?");
		free(list);
		return 1;
	}
	case CONS_PLACE_KEY:
		for (size_t i = 0; i < pg->nfuncs; i++)
			if (func_has_key(&pg->funcs[i], p->key))
				return 0;
		diag_add(d, p->key_loc, "no function of %s has a continuation point '%s'",
			 pg->name, p->key);
		return 1;
	case CONS_PLACE_LINES:
		for (size_t i = 0; i < pg->nfuncs; i++) {
			const struct cons_prog_func *g = &pg->funcs[i];

			if (!cons_file_matches(g->file, p->file))
				continue;
			any_file = true;
			if (!g->end_line)
				unknown_extent = true;
			else if (p->first <= g->end_line && p->last >= g->line)
				any_line = true;
		}
		if (!any_file) {
			diag_add(d, p->loc, "no function of %s is in a file '%s'", pg->name,
				 p->file);
			return 1;
		}
		if (any_line)
			return 0;
		if (unknown_extent) {
			diag_add(d, p->lines_loc, "cannot check lines of '%s': the metadata of "
				 "%s has no function extents (rebuild it with this upstare-cc)",
				 p->file, pg->name);
			return 1;
		}
		if (p->first == p->last)
			diag_add(d, p->lines_loc, "line %u of '%s' is outside every function",
				 p->first, p->file);
		else
			diag_add(d, p->lines_loc, "lines %u-%u of '%s' are outside every "
				 "function", p->first, p->last, p->file);
		return 1;
	}
	return 0;
}

int cons_validate(const struct cons_file *cf, const struct cons_program *pg,
		  struct cons_diags *d)
{
	int n = 0;

	if (d && !d->file)
		d->file = strdup(cf->path);
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];

		if (r->origin)
			continue;
		for (size_t j = 0; j < r->nclauses; j++) {
			const struct cons_clause *c = &r->clauses[j];

			if (c->who.kind == CONS_WHO_ROLE && !find_func(pg, c->who.name, 0)) {
				unknown_func(pg, d, c->who.loc, "start routine (role)",
					     c->who.name);
				n++;
			}
			for (size_t k = 0; k < c->nplaces; k++)
				n += validate_place(&c->places[k], pg, d);
		}
	}
	return n;
}

/* ------------------------------------------------------------------ lint */

/* Is every frame in place A also in place B? */
static bool place_within(const struct cons_place *a, const struct cons_place *b)
{
	if (b->kind == CONS_PLACE_FUNC &&
	    (a->kind == CONS_PLACE_FUNC || a->kind == CONS_PLACE_FUNC_KEY))
		return str_eq(a->function, b->function);
	return a->kind == b->kind &&
	       (a->function ? str_eq(a->function, b->function) : !b->function) &&
	       (a->key ? str_eq(a->key, b->key) : !b->key) &&
	       (a->file ? str_eq(a->file, b->file) && a->first >= b->first &&
			  a->last <= b->last : !b->file);
}

static const struct cons_place *clause_has_func(const struct cons_clause *c, const char *fn)
{
	for (size_t k = 0; k < c->nplaces; k++)
		if (c->places[k].kind == CONS_PLACE_FUNC && str_eq(c->places[k].function, fn))
			return &c->places[k];
	return NULL;
}

/* The single-clause forbid for any thread that excludes every place of C. */
static const struct cons_rule *forbidden_everywhere(const struct cons_file *cf,
						    const struct cons_clause *c)
{
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];
		size_t k, m;

		if (r->kind != CONS_FORBID || r->nclauses != 1 ||
		    r->clauses[0].who.kind != CONS_WHO_ANY)
			continue;
		for (k = 0; k < c->nplaces; k++) {
			for (m = 0; m < r->clauses[0].nplaces; m++)
				if (place_within(&c->places[k], &r->clauses[0].places[m]))
					break;
			if (m == r->clauses[0].nplaces)
				break;
		}
		if (k == c->nplaces)
			return r;
	}
	return NULL;
}

int cons_lint(const struct cons_file *cf, const struct cons_program *pg,
	      struct cons_diags *w)
{
	bool has_main = !pg || find_func(pg, "main", 0);
	int n = 0;

	if (w && !w->file)
		w->file = strdup(cf->path);
	for (size_t i = 0; i < cf->nrules; i++) {
		const struct cons_rule *r = &cf->rules[i];
		const struct cons_clause *c = &r->clauses[0];
		const struct cons_place *p;
		const struct cons_rule *f;

		if (r->origin)
			continue;
		if (r->kind == CONS_REQUIRE) {
			f = forbidden_everywhere(cf, c);
			if (f) {
				diag_add(w, r->loc, "this require can never hold: the forbid at "
					 "%u:%u excludes its whole region for every thread",
					 f->loc.line, f->loc.col);
				n++;
			}
			continue;
		}
		/* a conjunction with such a clause can still hold: only one clause */
		if (r->nclauses != 1)
			continue;
		if (has_main && (c->who.kind == CONS_WHO_ANY ||
				 (c->who.kind == CONS_WHO_ROLE && str_eq(c->who.name, "main"))) &&
		    (p = clause_has_func(c, "main"))) {
			diag_add(w, p->loc, "this forbid can never hold: the initial thread of "
				 "every process is inside main");
			n++;
		} else if (c->who.kind == CONS_WHO_ROLE &&
			   (p = clause_has_func(c, c->who.name))) {
			diag_add(w, p->loc, "this forbid can never hold while a thread of role "
				 "%s exists: %s is at the bottom of its stack", c->who.name,
				 c->who.name);
			n++;
		}
	}
	return n;
}

/* ----------------------------------------------------------- type safety */

static const struct cons_prog_type *find_type(const struct cons_program *pg, const char *name)
{
	for (size_t i = 0; i < pg->ntypes; i++)
		if (str_eq(pg->types[i].name, name))
			return &pg->types[i];
	return NULL;
}

int cons_changed_types(const struct cons_program *old, const struct cons_program *new,
		       const char ***out, size_t *n)
{
	const char **v = NULL;
	size_t nv = 0;

	for (size_t i = 0; i < old->ntypes; i++) {
		const struct cons_prog_type *t = &old->types[i], *u = find_type(new, t->name);
		const char **nvv;
		size_t j;

		if (u && str_eq(t->layout, u->layout))
			continue;
		for (j = 0; j < nv && !str_eq(v[j], t->name); j++)
			;
		if (j < nv)
			continue;	/* one definition per unit: already listed */
		nvv = grow(v, nv, sizeof(*v));
		if (!nvv) {
			free(v);
			return -ENOMEM;
		}
		v = nvv;
		v[nv++] = t->name;
	}
	*out = v;
	*n = nv;
	return 0;
}

static bool scope_rebuilds(const struct cons_scope *sc, int tid, size_t frame)
{
	bool thread_in = !sc || !sc->tids;

	for (size_t i = 0; sc && sc->tids && i < sc->ntids && !thread_in; i++)
		thread_in = sc->tids[i] == tid;
	return thread_in && (!sc || !sc->depth || frame < sc->depth);
}

/* The first changed type that function FN uses, or NULL. */
static const char *uses_changed(const struct cons_program *old, const char *fn,
				const char *const *changed, size_t nchanged)
{
	for (size_t i = 0; fn && i < old->nfuncs; i++) {
		const struct cons_prog_func *f = &old->funcs[i];

		if (!str_eq(f->name, fn))
			continue;
		for (size_t k = 0; k < f->ntypes; k++)
			for (size_t c = 0; c < nchanged; c++)
				if (str_eq(f->types_used[k], changed[c]))
					return changed[c];
	}
	return NULL;
}

int cons_type_check(const struct cons_program *old, const char *const *changed,
		    size_t nchanged, const struct cons_scope *scope,
		    const struct cons_snapshot *snap, struct cons_result *res)
{
	int nviol = 0;

	if (res)
		memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < snap->nthreads; i++) {
		const struct cons_thread *t = &snap->threads[i];

		for (size_t k = 0; k < t->nframes; k++) {
			const char *type;
			struct cons_violation v = { 0 };
			size_t len;
			FILE *f;
			int err;

			if (scope_rebuilds(scope, t->tid, k))
				continue;
			type = uses_changed(old, t->frames[k].function, changed, nchanged);
			if (!type)
				continue;
			nviol++;
			v.w = calloc(1, sizeof(*v.w));
			f = open_memstream(&v.reason, &len);
			if (!v.w || !f) {
				if (f)
					fclose(f);
				free(v.w);
				free(v.reason);
				cons_result_free(res);
				return -ENOMEM;
			}
			v.nw = 1;
			v.w[0] = (struct cons_witness){ t->tid, (int)k };
			fputs("type safety: ", f);
			print_thread(f, t);
			fputs(", ", f);
			print_frame(f, t, (int)k);
			fprintf(f, ": uses %s, which the patch changes, and the update does not "
				"rebuild this frame", type);
			if (scope && scope->tids && !scope_rebuilds(scope, t->tid, 0))
				fputs(" (thread not in --threads)", f);
			else if (scope && scope->depth)
				fprintf(f, " (--depth %u)", scope->depth);
			if (fclose(f)) {
				free(v.w);
				free(v.reason);
				cons_result_free(res);
				return -ENOMEM;
			}
			err = result_push(res, &v);
			if (err) {
				cons_result_free(res);
				return err;
			}
		}
	}
	return nviol ? 0 : 1;
}
