// SPDX-License-Identifier: GPL-2.0
/*
 * Which functions can never reach an update point.
 *
 * A function defined in this translation unit is "quiet" when it has no
 * loop and no goto (so no update point of its own besides the entry; the
 * "do { ... } while (0)" of a macro runs once and is no loop) and
 * every call it makes that may enter instrumented code goes to another
 * quiet function: a direct call to a function defined here.  A quiet
 * function runs for a bounded time and no thread can park inside it or
 * below it, so it needs no update point at its entry, its callers need no
 * continuation point after calling it, and it needs no restore: its
 * frame is never saved.  Recursion makes a function loud (a cycle never
 * becomes quiet below), as does any indirect call, any call to a function
 * defined elsewhere and any wrapped blocking call.  Functions that are not
 * rebuilt (nr_reason) or emitted as written stay loud, as before.
 *
 * Csmith's safe_* arithmetic helpers are the typical quiet functions, and
 * in real programs small accessors: dropping their continuation points is
 * what keeps the instrumented function's control flow close to the plain
 * one's.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "calls.h"
#include "function.h"

struct pfn {
	char *usr;
	bool loud;		/* known to reach an update point */
	char **callees;		/* USRs of the functions defined here it calls */
	unsigned ncallees;
};

struct scan {
	struct tu *t;
	struct pfn *p;
};

static bool defined_here_instrumented(CXCursor ref)
{
	CXCursor def = clang_getCursorDefinition(ref);

	return !clang_Cursor_isNull(def) && !in_system_header(def);
}

static enum CXChildVisitResult scan_visit(CXCursor c, CXCursor parent, CXClientData d)
{
	struct scan *s = d;
	enum CXCursorKind k = clang_getCursorKind(c);
	CXCursor ref;

	(void)parent;
	if (s->p->loud)
		return CXChildVisit_Break;
	switch (k) {
	case CXCursor_DoStmt:
		if (runs_once(c))
			return CXChildVisit_Recurse;
		/* fall through */
	case CXCursor_ForStmt:
	case CXCursor_WhileStmt:
	case CXCursor_GotoStmt:
	case CXCursor_IndirectGotoStmt:
		s->p->loud = true;
		return CXChildVisit_Break;
	case CXCursor_CallExpr:
		break;
	default:
		return CXChildVisit_Recurse;
	}
	ref = clang_getCursorReferenced(c);
	if (clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl) {
		s->p->loud = true;	/* indirect call */
		return CXChildVisit_Break;
	}
	if (defined_here_instrumented(ref)) {
		s->p->callees = xrealloc(s->p->callees, (s->p->ncallees + 1) * sizeof(char *));
		s->p->callees[s->p->ncallees++] = cur_usr(ref);
	} else if (hoistable(c)) {
		s->p->loud = true;	/* defined elsewhere, or a wrapped blocking call */
	}
	return s->p->loud ? CXChildVisit_Break : CXChildVisit_Recurse;
}

static int usr_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void park_analyze(struct tu *t, struct fninfo **fns, unsigned n)
{
	struct pfn *p = calloc(n ? n : 1, sizeof(*p));
	bool changed = true;

	for (unsigned i = 0; i < n; i++) {
		struct scan s = { t, &p[i] };

		p[i].usr = cur_usr(fns[i]->cur);
		if (fns[i]->nr_reason || fns[i]->skip || t->o->all_points) {
			p[i].loud = true;
			continue;
		}
		clang_visitChildren(fns[i]->cur, scan_visit, &s);
	}
	/*
	 * Start with every candidate undecided and make a function quiet once
	 * all its callees are quiet: what is left undecided is in a cycle or
	 * calls into one, and is loud.
	 */
	bool *quiet = calloc(n ? n : 1, sizeof(*quiet));

	while (changed) {
		changed = false;
		for (unsigned i = 0; i < n; i++) {
			bool all = true;

			if (quiet[i] || p[i].loud)
				continue;
			for (unsigned c = 0; c < p[i].ncallees && all; c++) {
				bool found = false;

				for (unsigned j = 0; j < n; j++)
					if (quiet[j] && !strcmp(p[j].usr, p[i].callees[c])) {
						found = true;
						break;
					}
				all = found;
			}
			if (all) {
				quiet[i] = true;
				changed = true;
			}
		}
	}
	for (unsigned i = 0; i < n; i++) {
		fns[i]->quiet = quiet[i];
		if (quiet[i]) {
			t->quiet = xrealloc(t->quiet, (t->nquiet + 1) * sizeof(char *));
			t->quiet[t->nquiet++] = xstrdup(p[i].usr);
		}
		for (unsigned c = 0; c < p[i].ncallees; c++)
			free(p[i].callees[c]);
		free(p[i].callees);
		free(p[i].usr);
	}
	qsort(t->quiet, t->nquiet, sizeof(char *), usr_cmp);
	free(quiet);
	free(p);
}

static bool callee_in(CXCursor call, char **set, unsigned n)
{
	CXCursor ref = clang_getCursorReferenced(call);
	char *usr;
	bool res;

	if (!n || clang_Cursor_isNull(ref) || clang_getCursorKind(ref) != CXCursor_FunctionDecl)
		return false;
	usr = cur_usr(ref);
	res = bsearch(&usr, set, n, sizeof(char *), usr_cmp) != NULL;
	free(usr);
	return res;
}

bool park_callee_is_quiet(struct tu *t, CXCursor call)
{
	return callee_in(call, t->quiet, t->nquiet);
}

