// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl check-constraints FILE (--pid PID | --binary PATH) [--dump]
 *
 * Parse a constraint file and check every function, role, file:line range
 * and continuation key in it against the program's .upstare metadata (the
 * JSON documents upstare-cc puts in a non-allocated ELF section, read here
 * with libelf).  Nothing in the target is touched: with --pid, only
 * /proc/PID/exe and the names of its threads are read.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "constraints.h"
#include "upstarectl.h"

/* ------------------------------------------------------ a small JSON reader */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype t;
	double num;
	char *str;		/* J_STR */
	struct jv *v;		/* J_ARR, J_OBJ: elements */
	char **keys;		/* J_OBJ */
	size_t n;
};

struct jp {
	const char *p, *end;
	int depth;
};

static void jv_free(struct jv *j)
{
	for (size_t i = 0; i < j->n; i++) {
		jv_free(&j->v[i]);
		if (j->keys)
			free(j->keys[i]);
	}
	free(j->v);
	free(j->keys);
	free(j->str);
}

static void jskip(struct jp *p)
{
	while (p->p < p->end && isspace((unsigned char)*p->p))
		p->p++;
}

static int jparse(struct jp *p, struct jv *out);

static int jstring(struct jp *p, char **out)
{
	size_t cap = 32, n = 0;
	char *s = malloc(cap);

	if (!s)
		return -ENOMEM;
	p->p++;
	while (p->p < p->end && *p->p != '"') {
		char c = *p->p++;

		if (c == '\\') {
			if (p->p >= p->end)
				break;
			c = *p->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u': {
				unsigned v = 0;

				for (int i = 0; i < 4 && p->p < p->end; i++, p->p++)
					v = v * 16 + (isdigit((unsigned char)*p->p) ? *p->p - '0' :
						      (tolower((unsigned char)*p->p) - 'a' + 10));
				/* the metadata escapes only control characters */
				c = v < 0x80 ? (char)v : '?';
				break;
			}
			default: break;	/* \" \\ \/ */
			}
		}
		if (n + 2 > cap) {
			char *ns = realloc(s, cap *= 2);

			if (!ns) {
				free(s);
				return -ENOMEM;
			}
			s = ns;
		}
		s[n++] = c;
	}
	if (p->p >= p->end) {
		free(s);
		return -EINVAL;
	}
	p->p++;
	s[n] = 0;
	*out = s;
	return 0;
}

static int jcontainer(struct jp *p, struct jv *out, bool obj)
{
	char close = obj ? '}' : ']';
	int err;

	out->t = obj ? J_OBJ : J_ARR;
	p->p++;
	jskip(p);
	if (p->p < p->end && *p->p == close) {
		p->p++;
		return 0;
	}
	for (;;) {
		struct jv *nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		char *key = NULL;

		if (!nv)
			return -ENOMEM;
		out->v = nv;
		if (obj) {
			char **nk = realloc(out->keys, (out->n + 1) * sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			out->keys = nk;
			jskip(p);
			if (p->p >= p->end || *p->p != '"')
				return -EINVAL;
			err = jstring(p, &key);
			if (err)
				return err;
			jskip(p);
			if (p->p >= p->end || *p->p != ':') {
				free(key);
				return -EINVAL;
			}
			p->p++;
		}
		memset(&out->v[out->n], 0, sizeof(*out->v));
		err = jparse(p, &out->v[out->n]);
		if (obj)
			out->keys[out->n] = key;
		out->n++;
		if (err)
			return err;
		jskip(p);
		if (p->p < p->end && *p->p == ',') {
			p->p++;
			continue;
		}
		if (p->p < p->end && *p->p == close) {
			p->p++;
			return 0;
		}
		return -EINVAL;
	}
}

static int jparse(struct jp *p, struct jv *out)
{
	int err;

	memset(out, 0, sizeof(*out));
	jskip(p);
	if (p->p >= p->end || ++p->depth > 64)
		return -EINVAL;
	switch (*p->p) {
	case '{':
	case '[':
		err = jcontainer(p, out, *p->p == '{');
		break;
	case '"':
		out->t = J_STR;
		err = jstring(p, &out->str);
		break;
	default:
		if (!strncmp(p->p, "true", 4) || !strncmp(p->p, "null", 4)) {
			out->t = *p->p == 't' ? J_BOOL : J_NULL;
			out->num = *p->p == 't';
			p->p += 4;
			err = 0;
		} else if (!strncmp(p->p, "false", 5)) {
			out->t = J_BOOL;
			p->p += 5;
			err = 0;
		} else {
			char *e;

			out->t = J_NUM;
			out->num = strtod(p->p, &e);
			err = e == p->p ? -EINVAL : 0;
			p->p = e;
		}
	}
	p->depth--;
	return err;
}

static const struct jv *jget(const struct jv *o, const char *key)
{
	if (o->t != J_OBJ)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		if (!strcmp(o->keys[i], key))
			return &o->v[i];
	return NULL;
}

static const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_STR ? v->str : NULL;
}

static unsigned jnum(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->t == J_NUM && v->num > 0 ? (unsigned)v->num : 0;
}

/* --------------------------------------------------- the program's metadata */

struct meta {
	struct jv *docs;
	size_t ndocs;
	struct cons_prog_func *funcs;
	struct cons_prog_cp **cps;	/* one array per function */
	size_t nfuncs;
	struct cons_program prog;
};

static void meta_free(struct meta *m)
{
	for (size_t i = 0; i < m->nfuncs; i++)
		free(m->cps[i]);
	free(m->cps);
	free(m->funcs);
	for (size_t i = 0; i < m->ndocs; i++)
		jv_free(&m->docs[i]);
	free(m->docs);
}

static int meta_add_doc(struct meta *m, const char *text, size_t len)
{
	struct jp p = { text, text + len, 0 };
	struct jv *nd = realloc(m->docs, (m->ndocs + 1) * sizeof(*nd));
	int err;

	if (!nd)
		return -ENOMEM;
	m->docs = nd;
	err = jparse(&p, &m->docs[m->ndocs]);
	m->ndocs++;
	return err;
}

static int meta_index(struct meta *m)
{
	for (size_t d = 0; d < m->ndocs; d++) {
		const struct jv *fns = jget(&m->docs[d], "functions");

		if (!fns || fns->t != J_ARR)
			return -EINVAL;
		for (size_t i = 0; i < fns->n; i++) {
			const struct jv *fn = &fns->v[i], *cps = jget(fn, "cps");
			struct cons_prog_func *nf;
			struct cons_prog_cp **nc, *cv = NULL;
			size_t ncps = 0;

			if (!jstr(fn, "name"))
				return -EINVAL;
			nf = realloc(m->funcs, (m->nfuncs + 1) * sizeof(*nf));
			if (!nf)
				return -ENOMEM;
			m->funcs = nf;
			nc = realloc(m->cps, (m->nfuncs + 1) * sizeof(*nc));
			if (!nc)
				return -ENOMEM;
			m->cps = nc;
			if (cps && cps->t == J_ARR && cps->n) {
				cv = calloc(cps->n, sizeof(*cv));
				if (!cv)
					return -ENOMEM;
				for (size_t k = 0; k < cps->n; k++)
					if (jstr(&cps->v[k], "key"))
						cv[ncps++] = (struct cons_prog_cp){
							jstr(&cps->v[k], "key"),
							jnum(&cps->v[k], "line") };
			}
			m->cps[m->nfuncs] = cv;
			m->funcs[m->nfuncs++] = (struct cons_prog_func){
				.name = jstr(fn, "name"), .file = jstr(fn, "file"),
				.line = jnum(fn, "line"), .end_line = jnum(fn, "end_line"),
				.cps = cv, .ncps = ncps,
			};
		}
	}
	m->prog.funcs = m->funcs;
	m->prog.nfuncs = m->nfuncs;
	return 0;
}

/* Read and index the .upstare section of PATH.  Prints its own errors. */
static int meta_load(struct meta *m, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), err = -ENOENT, nunits = 0;
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e = NULL;

	memset(m, 0, sizeof(*m));
	m->prog.name = path;
	if (fd < 0) {
		err = -errno;
		fprintf(stderr, "upstarectl: %s: %s\n", path, strerror(errno));
		return err;
	}
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx)) {
		fprintf(stderr, "upstarectl: %s: not an ELF file\n", path);
		err = -ENOEXEC;
		goto out;
	}
	while ((scn = elf_nextscn(e, scn))) {
		const char *name, *p, *end;
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (!name || strcmp(name, ".upstare"))
			continue;
		d = elf_getdata(scn, NULL);
		if (!d || !d->d_buf)
			continue;
		/* one NUL-terminated JSON document per translation unit */
		for (p = d->d_buf, end = p + d->d_size; p < end; ) {
			size_t n = strnlen(p, end - p);

			if (n) {
				err = meta_add_doc(m, p, n);
				if (err) {
					fprintf(stderr, "upstarectl: %s: malformed .upstare "
						"metadata (unit %d)\n", path, nunits + 1);
					goto out;
				}
				nunits++;
			}
			p += n + 1;
		}
	}
	if (!nunits) {
		fprintf(stderr, "upstarectl: %s: no .upstare section: not built with "
			"upstare-cc\n", path);
		err = -ENOENT;
		goto out;
	}
	err = meta_index(m);
	if (err)
		fprintf(stderr, "upstarectl: %s: malformed .upstare metadata\n", path);
out:
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

/* ------------------------------------------------------------- threads */

/*
 * Thread names are not part of the program: they are only known at run
 * time, and threads come and go, so a name that matches no thread now is a
 * warning, not an error.
 */
static int warn_unknown_threads(const struct cons_file *cf, const char *pid)
{
	char dir[64], path[PATH_MAX];
	int nwarn = 0;

	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	for (size_t i = 0; i < cf->nrules; i++) {
		for (size_t j = 0; j < cf->rules[i].nclauses; j++) {
			const struct cons_who *w = &cf->rules[i].clauses[j].who;
			bool found = false;
			struct dirent *de;
			DIR *d;

			if (w->kind != CONS_WHO_COMM && w->kind != CONS_WHO_TID)
				continue;
			d = opendir(dir);
			if (!d)
				return 0;
			while (!found && (de = readdir(d))) {
				char comm[64] = "";
				FILE *f;

				if (de->d_name[0] == '.')
					continue;
				if (w->kind == CONS_WHO_TID) {
					found = atol(de->d_name) == w->tid;
					continue;
				}
				snprintf(path, sizeof(path), "%s/%s/comm", dir, de->d_name);
				f = fopen(path, "re");
				if (f && fgets(comm, sizeof(comm), f))
					comm[strcspn(comm, "\n")] = 0;
				if (f)
					fclose(f);
				found = !strcmp(comm, w->name);
			}
			closedir(d);
			if (found)
				continue;
			nwarn++;
			if (w->kind == CONS_WHO_TID)
				fprintf(stderr, "%s:%u:%u: warning: process %s has no thread %ld "
					"now\n", cf->path, w->loc.line, w->loc.col, pid, w->tid);
			else
				fprintf(stderr, "%s:%u:%u: warning: no thread of process %s is "
					"named \"%s\" now\n", cf->path, w->loc.line, w->loc.col,
					pid, w->name);
		}
	}
	return nwarn;
}

/* ---------------------------------------------------------------- command */

static void usage(FILE *out)
{
	fprintf(out, "usage: upstarectl check-constraints FILE (--pid PID | --binary PATH) "
		"[--dump]\n");
}

int ctl_check_constraints(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "dump", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pid = NULL, *binary = NULL, *file;
	struct cons_diags diags = { 0 };
	char exe[PATH_MAX];
	struct cons_file *cf = NULL;
	struct meta m = { 0 };
	bool dump = false;
	int c, n, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			pid = optarg;
			break;
		case 'b':
			binary = optarg;
			break;
		case 'd':
			dump = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !!pid == !!binary) {
		usage(stderr);
		return 2;
	}
	file = argv[optind];
	if (pid) {
		char link[64];
		ssize_t len;

		if (strspn(pid, "0123456789") != strlen(pid) || !*pid) {
			fprintf(stderr, "upstarectl: --pid: '%s' is not a process id\n", pid);
			return 2;
		}
		snprintf(link, sizeof(link), "/proc/%s/exe", pid);
		len = readlink(link, exe, sizeof(exe) - 1);
		if (len < 0) {
			fprintf(stderr, "upstarectl: pid %s: cannot read %s: %s\n", pid, link,
				strerror(errno));
			return 1;
		}
		exe[len] = 0;
		/* the file may have been replaced on disk: read the one that runs */
		binary = link;
	}

	cf = cons_parse_file(file, &diags);
	if (!cf) {
		cons_diags_print(&diags, stderr);
		if (!diags.n)
			fprintf(stderr, "upstarectl: %s: %s\n", file, strerror(errno));
		goto out;
	}
	if (meta_load(&m, binary))
		goto out;
	m.prog.name = pid ? exe : binary;
	n = cons_validate(cf, &m.prog, &diags);
	if (n < 0) {
		fprintf(stderr, "upstarectl: %s: %s\n", file, strerror(-n));
		goto out;
	}
	cons_diags_print(&diags, stderr);
	if (n) {
		fprintf(stderr, "%s: %d error%s against %s\n", file, n, n == 1 ? "" : "s",
			m.prog.name);
		goto out;
	}
	if (pid)
		warn_unknown_threads(cf, pid);
	if (dump)
		cons_dump(cf, stdout);
	printf("%s: %zu constraint%s, valid for %s\n", file, cf->nrules,
	       cf->nrules == 1 ? "" : "s", m.prog.name);
	ret = 0;
out:
	meta_free(&m);
	cons_free(cf);
	cons_diags_free(&diags);
	return ret;
}
