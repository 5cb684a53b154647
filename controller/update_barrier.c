// SPDX-License-Identifier: GPL-2.0
/*
 * The check barrier, where every thread of every target is parked and the
 * targets have described their stacks (upstare-ctl.h): the stacks parsed
 * for the constraints (stacks_parse()), and the verdict on a partial
 * update (--threads, --depth: partial_verdict()).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "progmeta.h"
#include "update_internal.h"

static char *field(char **p)
{
	char *f = strsep(p, "\t");

	return f && *f ? f : NULL;
}

static int add_automatic(struct cons_file *cf, const struct cons_frame *f, const char *why);

/* The strings of snap point into s->text. */
int stacks_parse(struct stacks *s, const struct target *t, int n, struct cons_file *cf,
		 struct cons_snapshot *snap)
{
	size_t nth = 0, nfr = 0, lines = 1, len = 0;
	char *line, *save = NULL;

	for (int i = 0; i < n; i++)
		len += strnlen(t[i].c.stacks, sizeof(t[i].c.stacks)) + 1;
	s->text = calloc(1, len + 1);
	if (!s->text)
		return -ENOMEM;
	for (int i = 0, off = 0; i < n; i++) {
		size_t l = strnlen(t[i].c.stacks, sizeof(t[i].c.stacks));

		memcpy(s->text + off, t[i].c.stacks, l);
		off += l;
		s->text[off++] = '\n';
	}
	for (const char *p = s->text; *p; p++)
		lines += *p == '\n';
	s->th = calloc(lines, sizeof(*s->th));
	s->fr = calloc(lines, sizeof(*s->fr));
	if (!s->th || !s->fr)
		return -ENOMEM;
	for (line = strtok_r(s->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *kind = field(&p);

		if (kind && !strcmp(kind, "thread")) {
			struct cons_thread *th = &s->th[nth++];
			char *tid = field(&p);

			th->tid = tid ? atoi(tid) : 0;
			th->role = field(&p);
			th->comm = field(&p);
			th->frames = &s->fr[nfr];
		} else if (kind && !strcmp(kind, "frame") && nth) {
			struct cons_frame *f = &s->fr[nfr++];
			char *ln, *why;
			int err;

			f->function = field(&p);
			f->file = field(&p);
			ln = field(&p);
			f->line = ln ? strtoul(ln, NULL, 10) : 0;
			f->cp_key = field(&p);
			s->th[nth - 1].nframes++;
			why = field(&p);
			if (why && f->function && f->cp_key && cf &&
			    (err = add_automatic(cf, f, why)))
				return err;
		} else {
			return -EPROTO;
		}
	}
	snap->threads = s->th;
	snap->nthreads = nth;
	return 0;
}

/*
 * A frame the patch cannot convert: forbid its point, once, as an automatic
 * constraint.  Such points are only known at update time, from the target,
 * which also knows the user's mappings; they stay forbidden on later checks.
 * (cons_wait() keeps no pointer into the rules across a snapshot.)
 */
static int add_automatic(struct cons_file *cf, const struct cons_frame *f, const char *why)
{
	struct cons_unmapped u = { f->function, f->cp_key, f->file, f->line, why };

	for (size_t i = cf->nrules - cf->nauto; i < cf->nrules; i++) {
		const struct cons_place *p = &cf->rules[i].clauses[0].places[0];

		if (!strcmp(p->function, f->function) && !strcmp(p->key, f->cp_key))
			return 0;
	}
	return cons_add_automatic(cf, &u, 1);
}

void stacks_free(struct stacks *s)
{
	free(s->text);
	free(s->th);
	free(s->fr);
	s->text = NULL;
	s->th = NULL;
	s->fr = NULL;
}

/*
 * The file PID runs its current version from: the executable, or the last
 * patch applied, i.e. the mapped file whose build id is the one the
 * control block names.  A malloc'd path, or NULL.
 */
static char *running_version(const struct target *t)
{
	char path[PATH_MAX + 64], hex[ELF_BUILD_ID_HEX], line[PATH_MAX + 256], last[PATH_MAX] = "";
	char *found = NULL;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	if (!elf_file_build_id(path, hex) &&
	    !strncmp(hex, t->c.build_id, sizeof(t->c.build_id)))
		return strdup(path);
	snprintf(path, sizeof(path), "/proc/%d/maps", t->pid);
	f = fopen(path, "re");
	while (f && !found && fgets(line, sizeof(line), f)) {
		char *file = strchr(line, '/');

		if (!file)
			continue;
		file[strcspn(file, "\n")] = 0;
		if (!strcmp(file, last))
			continue;
		snprintf(last, sizeof(last), "%s", file);
		if (!elf_file_build_id(file, hex) &&
		    !strncmp(hex, t->c.build_id, sizeof(t->c.build_id)))
			found = strdup(file);
	}
	if (f)
		fclose(f);
	return found;
}

/* Does --threads name thread TH (by tid or comm)?  Marks the names used. */
static bool thread_listed(const struct partial *p, const struct cons_thread *th, bool *used)
{
	bool in = !p->names;

	for (size_t i = 0; i < p->nnames; i++) {
		const char *nm = p->names[i];
		bool tid = nm[strspn(nm, "0123456789")] == 0;

		if (tid ? atoi(nm) == th->tid : th->comm && !strcmp(th->comm, nm)) {
			used[i] = true;
			in = true;
		}
	}
	return in;
}

/*
 * The frames of one target's threads the update would not rebuild: each
 * that uses a type the patch changes refuses the update (type safety);
 * and since the runtime cannot leave any frame in the old code, any such
 * frame at all refuses it too (runtime.rst, "Partial updates").  Reasons
 * go to F; returns nonzero to refuse.
 */
static int partial_target(const struct partial *p, const struct target *t, int n,
			  const struct prog_meta *newm, bool *used, FILE *f)
{
	struct stacks st = { 0 };
	struct cons_snapshot snap = { 0 };
	struct cons_result res = { 0 };
	struct prog_meta oldm = { 0 };
	const char **changed = NULL;
	size_t nchanged = 0, ntids = 0;
	char *run, *msg = NULL, pfx[32] = "";
	int *tids = NULL, refuse = 1, r;
	struct cons_scope sc;

	if (n > 1)
		snprintf(pfx, sizeof(pfx), "pid %d: ", t->pid);
	run = running_version(t);
	if (!run) {
		fprintf(f, "partial update: no file mapped in pid %d has the build id %s of "
			"the version it runs: its frames' types cannot be checked\n", t->pid,
			t->c.build_id);
		return 1;
	}
	if (pm_load(&oldm, run, &msg)) {
		fprintf(f, "partial update: the running version's metadata: %s\n",
			msg ? msg : run);
		goto out;
	}
	if (stacks_parse(&st, t, 1, NULL, &snap) ||
	    cons_changed_types(&oldm.prog, &newm->prog, &changed, &nchanged)) {
		fprintf(f, "partial update: pid %d: cannot read its stacks\n", t->pid);
		goto out;
	}
	tids = calloc(snap.nthreads + 1, sizeof(*tids));
	if (!tids)
		goto out;
	for (size_t i = 0; i < snap.nthreads; i++)
		if (thread_listed(p, &snap.threads[i], used))
			tids[ntids++] = snap.threads[i].tid;
	sc = (struct cons_scope){ p->names ? tids : NULL, ntids, p->depth };
	r = cons_type_check(&oldm.prog, changed, nchanged, &sc, &snap, &res);
	if (r < 0) {
		fprintf(f, "partial update: type check: %s\n", strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < res.n; i++)
		fprintf(f, "%s%s\n", pfx, res.v[i].reason);
	refuse = res.n > 0;
	/* type-safe: still, every frame outside the scope would stay old */
	for (size_t i = 0; r == 1 && i < snap.nthreads; i++) {
		const struct cons_thread *th = &snap.threads[i];
		bool in = !p->names;
		size_t first;

		for (size_t j = 0; j < ntids; j++)
			in |= tids[j] == th->tid;
		first = in ? (p->depth ? p->depth : th->nframes) : 0;
		if (first >= th->nframes)
			continue;
		refuse = 1;
		fprintf(f, "partial update: pid %d thread %d (%s, role %s): frame%s #%zu%s%.0zu "
			"(%s) would not be rebuilt, and the runtime cannot leave a frame in the "
			"old code: a rebuilt frame calls its callee again, in its own version, so "
			"every frame of every thread is rebuilt or none is\n", t->pid, th->tid,
			th->comm ? th->comm : "?", th->role ? th->role : "?",
			th->nframes - first > 1 ? "s" : "", first,
			th->nframes - first > 1 ? "-#" : "",
			th->nframes - first > 1 ? th->nframes - 1 : 0,
			th->frames[th->nframes - 1].function ?
			th->frames[th->nframes - 1].function : "?");
	}
out:
	cons_result_free(&res);
	free(changed);
	free(tids);
	stacks_free(&st);
	pm_free(&oldm);
	free(msg);
	free(run);
	return refuse;
}

int partial_verdict(struct partial *p, const struct target *t, int n,
		    const struct update_hooks *h)
{
	struct prog_meta newm = { 0 };
	char *msg = NULL, *out = NULL;
	bool *used = calloc(p->nnames + 1, sizeof(*used));
	size_t len = 0;
	int refuse = 0, err;
	FILE *f = open_memstream(&out, &len);

	if (!f || !used) {
		free(used);
		if (f)
			fclose(f);
		free(out);
		p->refusal = strdup("partial update: out of memory");
		return 1;
	}
	/* the patch was named by the client: read with its rights */
	err = client_rights(h, 1) ? -errno : pm_load(&newm, p->patch, &msg);
	if (client_rights(h, 0) && !err)
		err = -errno;
	if (err) {
		fprintf(f, "partial update: the patch's metadata: %s\n", msg ? msg : "?");
		refuse = 1;
	}
	for (int i = 0; !refuse && i < n; i++)
		refuse |= partial_target(p, &t[i], n, &newm, used, f);
	for (size_t i = 0; i < p->nnames; i++)
		if (!used[i]) {
			fprintf(f, "partial update: --threads: '%s' names no thread of the "
				"update\n", p->names[i]);
			refuse = 1;
		}
	fclose(f);
	if (len && out[len - 1] == '\n')
		out[len - 1] = 0;
	free(p->refusal);
	p->refusal = refuse ? out : NULL;
	if (!refuse)
		free(out);
	pm_free(&newm);
	free(msg);
	free(used);
	return refuse;
}

