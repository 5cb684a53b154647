// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl check-constraints FILE (--pid PID | --binary PATH)
 *                              [--patch PATH [--explain]] [--dump] [--json]
 *
 * Parse a constraint file and check every function, role, file:line range
 * and continuation key in it against the program's .upstare metadata (the
 * JSON documents upstare-cc puts in a non-allocated ELF section, read here
 * with libelf and controller/json.c).  With --patch, also list the automatic constraints: the
 * continuation points of the program that the patch's version (its .upstare
 * metadata) cannot map.  Nothing in the target is touched: with --pid, only
 * /proc/PID/exe and the names of its threads are read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "constraints.h"
#include "json.h"
#include "progmeta.h"
#include "upstarectl.h"

/* ------------------------------------------------------------- threads */

struct warning {
	struct cons_loc loc;
	char *msg;
};

struct warnings {
	struct warning *v;
	size_t n;
};

static void warn(struct warnings *w, struct cons_loc loc, char *msg)
{
	struct warning *nv = msg ? realloc(w->v, (w->n + 1) * sizeof(*nv)) : NULL;

	if (!nv) {
		free(msg);
		return;
	}
	w->v = nv;
	w->v[w->n++] = (struct warning){ loc, msg };
}

static bool thread_exists(const char *dir, const struct cons_who *w)
{
	char path[PATH_MAX];
	bool found = false;
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return true;	/* the process is gone: nothing to say about names */
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
	return found;
}

/*
 * Thread names are not part of the program: they are only known at run
 * time, and threads come and go, so a name that matches no thread now is a
 * warning, not an error.
 */
static void warn_unknown_threads(const struct cons_file *cf, const char *pid,
				 struct warnings *warns)
{
	char dir[64], *msg;

	snprintf(dir, sizeof(dir), "/proc/%s/task", pid);
	for (size_t i = 0; i < cf->nrules; i++) {
		for (size_t j = 0; j < cf->rules[i].nclauses; j++) {
			const struct cons_who *w = &cf->rules[i].clauses[j].who;
			int n;

			if ((w->kind != CONS_WHO_COMM && w->kind != CONS_WHO_TID) ||
			    thread_exists(dir, w))
				continue;
			if (w->kind == CONS_WHO_TID)
				n = asprintf(&msg, "process %s has no thread %ld now", pid,
					     w->tid);
			else
				n = asprintf(&msg, "no thread of process %s is named \"%s\" now",
					     pid, w->name);
			warn(warns, w->loc, n < 0 ? NULL : msg);
		}
	}
}

/* ------------------------------------------------------------------ output */

static bool func_uses(const struct cons_prog_func *f, const char *type)
{
	for (size_t i = 0; i < f->ntypes; i++)
		if (!strcmp(f->types_used[i], type))
			return true;
	return false;
}

static void put_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = *s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void json_diag(FILE *f, bool first, struct cons_loc loc, const char *msg)
{
	fprintf(f, "%s{\"line\":%u,\"col\":%u,\"message\":", first ? "" : ",", loc.line,
		loc.col);
	put_json_str(f, msg);
	fputc('}', f);
}

struct report {
	const char *file, *program, *patch;
	bool valid;
	size_t nconstraints;
	const struct cons_unmapped *unmapped;	/* with --patch */
	size_t nunmapped;
	const char **changed;			/* types the patch changes */
	size_t nchanged;
	const struct cons_program *old;
	const char *error;		/* the file or the program cannot be read */
	const struct cons_diags *errors;
	const struct warnings *warnings;
};

/* For --explain: each type the patch changes, with the functions using it. */
static void print_changed_types(const struct report *r)
{
	printf("types the patch changes:%s\n", r->nchanged ? "" : " none");
	for (size_t i = 0; i < r->nchanged; i++) {
		const char *sep = " (used by ";

		printf("    %s", r->changed[i]);
		for (size_t k = 0; k < r->old->nfuncs; k++)
			if (func_uses(&r->old->funcs[k], r->changed[i])) {
				printf("%s%s", sep, r->old->funcs[k].name);
				sep = ", ";
			}
		printf("%s\n", strcmp(sep, ", ") ? "" : ")");
	}
}

static void print_json(const struct report *r)
{
	printf("{\"file\":");
	put_json_str(stdout, r->file);
	printf(",\"program\":");
	if (r->program)
		put_json_str(stdout, r->program);
	else
		printf("null");
	printf(",\"valid\":%s", r->valid ? "true" : "false");
	if (r->valid)
		printf(",\"constraints\":%zu", r->nconstraints);
	if (r->error) {
		printf(",\"error\":");
		put_json_str(stdout, r->error);
	}
	printf(",\"errors\":[");
	for (size_t i = 0; r->errors && i < r->errors->n; i++)
		json_diag(stdout, !i, r->errors->v[i].loc, r->errors->v[i].msg);
	printf("],\"warnings\":[");
	for (size_t i = 0; r->warnings && i < r->warnings->n; i++)
		json_diag(stdout, !i, r->warnings->v[i].loc, r->warnings->v[i].msg);
	printf("]");
	if (r->valid && r->patch) {
		printf(",\"patch\":");
		put_json_str(stdout, r->patch);
		printf(",\"automatic\":[");
		for (size_t i = 0; i < r->nunmapped; i++) {
			const struct cons_unmapped *u = &r->unmapped[i];

			printf("%s{\"function\":", i ? "," : "");
			put_json_str(stdout, u->function);
			printf(",\"key\":");
			put_json_str(stdout, u->key);
			printf(",\"file\":");
			put_json_str(stdout, u->file);
			printf(",\"line\":%u,\"why\":", u->line);
			put_json_str(stdout, u->why);
			printf("}");
		}
		printf("],\"changed_types\":[");
		for (size_t i = 0; i < r->nchanged; i++) {
			bool first = true;

			printf("%s{\"type\":", i ? "," : "");
			put_json_str(stdout, r->changed[i]);
			printf(",\"used_by\":[");
			for (size_t k = 0; k < r->old->nfuncs; k++)
				if (func_uses(&r->old->funcs[k], r->changed[i])) {
					printf("%s", first ? "" : ",");
					put_json_str(stdout, r->old->funcs[k].name);
					first = false;
				}
			printf("]}");
		}
		printf("]");
	}
	printf("}\n");
}

static void print_text(const struct report *r)
{
	if (r->error)
		fprintf(stderr, "upstarectl: %s\n", r->error);
	if (r->errors)
		cons_diags_print(r->errors, stderr);
	for (size_t i = 0; r->warnings && i < r->warnings->n; i++)
		fprintf(stderr, "%s:%u:%u: warning: %s\n", r->file, r->warnings->v[i].loc.line,
			r->warnings->v[i].loc.col, r->warnings->v[i].msg);
	if (r->valid && r->patch)
		printf("%s: %zu constraint%s, valid for %s; %zu automatic from %s\n", r->file,
		       r->nconstraints, r->nconstraints == 1 ? "" : "s", r->program,
		       r->nunmapped, r->patch);
	else if (r->valid)
		printf("%s: %zu constraint%s, valid for %s\n", r->file, r->nconstraints,
		       r->nconstraints == 1 ? "" : "s", r->program);
	else if (r->errors && r->errors->n && r->program)
		fprintf(stderr, "%s: %zu error%s against %s\n", r->file, r->errors->n,
			r->errors->n == 1 ? "" : "s", r->program);
}

/* ---------------------------------------------------------------- command */

static void usage(FILE *out)
{
	fprintf(out, "usage: upstarectl check-constraints FILE (--pid PID | --binary PATH) "
		"[--patch PATH [--explain]] [--dump] [--json]\n");
}

int ctl_check_constraints(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "binary", required_argument, NULL, 'b' },
		{ "dump", no_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "patch", required_argument, NULL, 'P' },
		{ "explain", no_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *pid = NULL, *binary = NULL;
	struct cons_diags diags = { 0 };
	struct warnings warns = { 0 };
	char exe[PATH_MAX], link[64], *msg = NULL;
	struct cons_file *cf = NULL;
	struct prog_meta m = { 0 };
	struct report rep = { .errors = &diags, .warnings = &warns };
	bool dump = false, json = false, explain = false;
	struct cons_unmapped *unmapped = NULL;
	struct prog_meta pm = { 0 };
	int c, n;

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
		case 'j':
			json = true;
			break;
		case 'P':
			rep.patch = optarg;
			break;
		case 'e':
			explain = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc - 1 || !!pid == !!binary || (explain && !rep.patch)) {
		usage(stderr);
		return 2;
	}
	rep.file = argv[optind];
	if (pid && (!*pid || strspn(pid, "0123456789") != strlen(pid))) {
		fprintf(stderr, "upstarectl: --pid: '%s' is not a process id\n", pid);
		return 2;
	}

	cf = cons_parse_file(rep.file, &diags);
	if (!cf) {
		if (!diags.n && asprintf(&msg, "%s: %s", rep.file, strerror(errno)) < 0)
			msg = NULL;
		goto out;
	}
	if (pid) {
		ssize_t len;

		snprintf(link, sizeof(link), "/proc/%s/exe", pid);
		len = readlink(link, exe, sizeof(exe) - 1);
		if (len < 0) {
			if (asprintf(&msg, "pid %s: cannot read %s: %s", pid, link,
				     strerror(errno)) < 0)
				msg = NULL;
			goto out;
		}
		exe[len] = 0;
		/* the file may have been replaced on disk: read the one that runs */
		binary = link;
	}
	if (pm_load(&m, binary, &msg))
		goto out;
	rep.program = m.prog.name = pid ? exe : binary;
	n = cons_validate(cf, &m.prog, &diags);
	if (n < 0) {
		if (asprintf(&msg, "%s: %s", rep.file, strerror(-n)) < 0)
			msg = NULL;
		goto out;
	}
	if (pid)
		warn_unknown_threads(cf, pid, &warns);
	if (n == 0) {
		struct cons_diags lint = { 0 };

		if (cons_lint(cf, &m.prog, &lint) > 0)
			for (size_t i = 0; i < lint.n; i++) {
				warn(&warns, lint.v[i].loc, lint.v[i].msg);
				lint.v[i].msg = NULL;	/* now the warning's */
			}
		cons_diags_free(&lint);
	}
	rep.nconstraints = cf->nrules;
	if (n == 0 && rep.patch) {
		/* the points the patch cannot map: forbidden without being written */
		if (pm_load(&pm, rep.patch, &msg))
			goto out;
		n = cons_unmapped_points(&m.prog, &pm.prog, &unmapped, &rep.nunmapped);
		if (!n)
			n = cons_add_automatic(cf, unmapped, rep.nunmapped);
		if (!n)
			n = cons_changed_types(&m.prog, &pm.prog, &rep.changed, &rep.nchanged);
		rep.old = &m.prog;
		if (n) {
			if (asprintf(&msg, "%s: %s", rep.patch, strerror(-n)) < 0)
				msg = NULL;
			goto out;
		}
		rep.unmapped = unmapped;
	}
	rep.valid = n == 0;
	if (rep.valid && dump && !json)
		cons_dump(cf, stdout);
	if (rep.valid && explain && !json) {
		cons_explain(cf, stdout);
		print_changed_types(&rep);
	}
out:
	rep.error = msg;
	if (!rep.valid && !msg && !diags.n)
		rep.error = "out of memory";
	if (json)
		print_json(&rep);
	else
		print_text(&rep);
	pm_free(&m);
	pm_free(&pm);
	free(unmapped);
	free(rep.changed);
	cons_free(cf);
	cons_diags_free(&diags);
	for (size_t i = 0; i < warns.n; i++)
		free(warns.v[i].msg);
	free(warns.v);
	free(msg);
	return rep.valid ? 0 : 1;
}
