// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Transforming an update: globals whose type changed, then every parked
 * thread's saved frames, converted to the new version of their function
 * (by name, or the patch's function mapping) at the continuation point of
 * the same key (or the patch's key mapping).  Locals of unchanged type are
 * copied: those in scope at the point by name and place (counterpart()),
 * the others by key; call arguments saved in temporaries map by rank; the
 * patch's transformers (upstare.h) run last.  The runtime itself never
 * writes old state; the transformers get pointers to it (the old storage of
 * a changed global, the saved frame), so those bytes are copied before they
 * run and put back when the update is not committed.
 *
 * Every transformer runs under the update's deadline: a per-thread POSIX
 * timer (SIGEV_THREAD_ID) sends the update signal to the leader at the
 * deadline, and its handler siglongjmps out of the transformer back into
 * call_xform(), which reports it like a transformer returning an error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "runtime.h"
#include "upstare.h"


struct upstare_frame {
	struct __upstare_frame_hdr *old, *new;
};

static void *frame_local(struct __upstare_frame_hdr *h, const char *key, size_t *size)
{
	for (unsigned i = 0; i < h->fd->nlocals; i++)
		if (!strcmp(h->fd->locals[i].key, key)) {
			if (size)
				*size = h->fd->locals[i].size;
			return (char *)h + h->fd->locals[i].offset;
		}
	return NULL;
}

void *upstare_frame_old(struct upstare_frame *f, const char *key, size_t *size)
{
	return frame_local(f->old, key, size);
}

void *upstare_frame_new(struct upstare_frame *f, const char *key, size_t *size)
{
	return frame_local(f->new, key, size);
}

const char *upstare_frame_function(struct upstare_frame *f)
{
	return f->old->fd->name;
}

const char *upstare_frame_key(struct upstare_frame *f)
{
	return f->old->fd->cps[f->old->cp].key;
}

int upstare_frame_set_key(struct upstare_frame *f, const char *key)
{
	for (unsigned i = 0; i < f->new->fd->ncps; i++)
		if (!strcmp(f->new->fd->cps[i].key, key)) {
			f->new->cp = i;
			return 0;
		}
	return -ENOENT;
}

/*
 * A global of the base, where the base keeps it now: "name" is the
 * program's global (the patch lists the ones an earlier patch moved), or,
 * when there is none, the one static of that name; "file:name" is the
 * static of the file whose source has that base name.  NULL when there is
 * no such global, or when statics of several files have the name.
 */
void *upstare_old_global(const char *name)
{
	const struct __upstare_patch *p = upstare__patch->p;
	const char *colon = strrchr(name, ':'), *sym = NULL;
	size_t len = colon ? (size_t)(colon - name) : 0;
	void *g;

	if (!p || !upstare__xf_armed)
		return NULL;	/* only the patch's code, during its update */
	for (unsigned i = 0; !colon && i < p->nstatics; i++)
		if (!p->statics[i].source && !strcmp(p->statics[i].name, name))
			return upstare__sym(p->statics[i].sym);
	if (!colon && (g = upstare__sym(name)))
		return g;
	for (unsigned i = 0; i < p->nstatics; i++) {
		const struct __upstare_static *st = &p->statics[i];
		const char *base;

		if (!st->source)
			continue;
		base = upstare__base_name(st->source);
		if (colon ? strcmp(st->name, colon + 1) || strlen(base) != len ||
			    strncmp(base, name, len) : strcmp(st->name, name))
			continue;
		if (sym)
			return NULL;	/* in two files: the file says which */
		sym = st->sym;
	}
	return sym ? upstare__sym(sym) : NULL;
}

/* ------------------------------------------------ deadline and old state */

/* only the leader runs transformers, one update at a time */
static uint64_t xf_deadline;
static timer_t xf_timer;
static int xf_have_timer;
static sigjmp_buf xf_jmp;
static pid_t xf_tid;
static const char xf_cookie[] = "upstare transformer deadline";

/* Bytes of old state a transformer could write, and where they go back. */
struct saved {
	struct saved *next;
	void *where;
	size_t size;
	char bytes[];
};
static struct saved *xf_saved;

static int save_old(void *where, size_t size)
{
	struct saved *s = malloc(sizeof(*s) + size);

	if (!s) {
		upstare__reason("out of memory saving old state for a rollback");
		return -ENOMEM;
	}
	s->where = where;
	s->size = size;
	memcpy(s->bytes, where, size);
	s->next = xf_saved;
	xf_saved = s;
	return 0;
}

static volatile sig_atomic_t xf_retries, xf_in_library;
#define XF_GRACE_RETRIES 200	/* of 1 ms: inside library code */

static uintptr_t interrupted_pc(void *uc)
{
#if defined(__x86_64__)
	return ((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
	return ((ucontext_t *)uc)->uc_mcontext.pc;
#else
	(void)uc;
	return 0;
#endif
}

/*
 * Where the deadline may abandon a transformer: in the patch's own code,
 * or in a blocking call through a libupstare wrapper (in the kernel: no
 * library lock held).  Anywhere else (malloc, stdio, the dynamic linker)
 * it may hold a lock that the rollback itself needs, so the jump waits
 * for the transformer to come back to its code, for a grace period; past
 * it the transformer is abandoned wherever it is, and the reason says so.
 */
void upstare__xform_deadline_signal(const siginfo_t *si, void *uc)
{
	struct thread_state *const ts = &upstare__ts;
	uintptr_t pc = interrupted_pc(uc);
	int safe = ts->slot->blocking;

	if (si->si_code != SI_TIMER || si->si_value.sival_ptr != (void *)xf_cookie ||
	    !upstare__xf_armed || gettid() != xf_tid)
		return;
	/* the patch's code: a transformer interrupted there holds no library lock */
	safe = safe || upstare__obj_has_pc(upstare__patch->obj, pc);
	if (!safe && xf_retries < XF_GRACE_RETRIES) {
		struct itimerspec it = { .it_value = { 0, 1000000 } };

		xf_retries++;
		if (!timer_settime(xf_timer, 0, &it, NULL))
			return;
	}
	xf_in_library = !safe;
	upstare__xf_armed = 0;
	siglongjmp(xf_jmp, 1);
}

int upstare__transform_begin(uint64_t deadline_ns)
{
	struct sigevent sev = {
		.sigev_notify = SIGEV_THREAD_ID,
		.sigev_signo = upstare__update_signal(),
		.sigev_value.sival_ptr = (void *)xf_cookie,
	};
	struct itimerspec it = {
		.it_value = { deadline_ns / 1000000000ull, deadline_ns % 1000000000ull },
	};

	xf_deadline = deadline_ns;
	upstare__heap_begin();
	xf_tid = gettid();
	xf_saved = NULL;
	xf_retries = xf_in_library = 0;
	sev._sigev_un._tid = xf_tid;
	if (timer_create(CLOCK_MONOTONIC, &sev, &xf_timer)) {
		upstare__reason("cannot create the transformers' deadline timer: %s",
				strerror(errno));
		return -errno;
	}
	xf_have_timer = 1;
	if (timer_settime(xf_timer, TIMER_ABSTIME, &it, NULL)) {
		upstare__reason("cannot arm the transformers' deadline timer: %s",
				strerror(errno));
		return -errno;
	}
	/* the old storage of every changed global: any transformer may write it */
	for (unsigned i = 0; i < upstare__patch->p->nmoves; i++) {
		const struct __upstare_global_move *m = &upstare__patch->p->moves[i];
		void *old = upstare__sym(m->old_sym);

		if (old && m->old_size && save_old(old, m->old_size))
			return -ENOMEM;
	}
	return 0;
}

void upstare__transform_end(int rollback)
{
	upstare__heap_end(rollback);
	upstare__default_set(NULL, 0, 0);	/* a transformer stopped midway */
	upstare__xf_armed = 0;
	if (xf_have_timer)
		timer_delete(xf_timer);
	xf_have_timer = 0;
	/* a signal the timer queued before it was deleted finds upstare__xf_armed 0 */
	while (xf_saved) {
		struct saved *s = xf_saved;

		xf_saved = s->next;
		/* only what was written: a const global's old storage is read-only */
		if (rollback && memcmp(s->where, s->bytes, s->size))
			memcpy(s->where, s->bytes, s->size);
		upstare__free_zeroed(s, sizeof(*s) + s->size);
	}
}

/*
 * Run a user transformer with update points disabled, until the deadline.
 * Past it the transformer is abandoned where it is (the timer's signal
 * jumps back here) and the update rolls back as for an error.
 */
static int call_void(void *fn)
{
	return ((int (*)(void))fn)();
}

/* The thread's state as a transformer stopped at the deadline left it. */
struct xf_entry {
	struct upstare_thread_slot *slot;
	int in_runtime, nr_depth;
};

static void xf_enter(struct xf_entry *e)
{
	struct thread_state *const ts = &upstare__ts;

	*e = (struct xf_entry){ ts->slot, ts->in_runtime, ts->nr_depth };
	upstare__fail_msg[0] = 0;
}

static int xf_stopped(const struct xf_entry *e, const char *what)
{
	struct thread_state *const ts = &upstare__ts;

	upstare__guard_cancel();
	/* state the transformer's frames (entered from the runtime, so marked
	 * not reconstructible) and wrapped calls left behind */
	ts->in_runtime = e->in_runtime;
	ts->nr_depth = e->nr_depth;
	ts->slot = e->slot;
	ts->slot->blocking = 0;
	ts->kicked = 0;
	ts->wait_cond = NULL;
	ts->resume_call = NULL;
	ts->resume_done = 0;
	upstare__reason("%s did not return before the deadline (%u ms after the request), "
			"stopped in the transform phase%s", what, upstare_control.timeout_ms,
			xf_in_library ? ", inside library code (a lock it held there may stay "
			"held)" : "");
	return -ETIMEDOUT;
}

/*
 * The objects on the heap.  Only the patch's transformers of their types
 * run under the deadline (heap.c arms it around each call: one may loop):
 * stopping the runtime's own conversion at a random point could leave it
 * inside malloc, whose lock the rollback then needs.  heap.c runs its own
 * fault guard.
 */
int upstare__transform_heap(void)
{
	struct thread_state *const ts = &upstare__ts;
	struct xf_entry e;
	int err;

	xf_enter(&e);
	if (sigsetjmp(xf_jmp, 1))
		return xf_stopped(&e, "converting objects on the heap");
	ts->in_runtime++;
	err = upstare__heap_convert();
	upstare__xf_armed = 0;	/* a transformer that faulted left it armed */
	ts->in_runtime--;
	return err;
}

static int call_xform(int (*fn)(void), const char *what)
{
	struct thread_state *const ts = &upstare__ts;
	struct upstare_control *const cb = &upstare_control;
	char why[256] = "";
	struct xf_entry e;
	int err;

	xf_enter(&e);
	if (sigsetjmp(xf_jmp, 1))
		return xf_stopped(&e, what);
	if (upstare__mono_ns() >= xf_deadline) {
		upstare__reason("deadline (%u ms after the request) passed in the transform "
				"phase before %s could run", cb->timeout_ms, what);
		return -ETIMEDOUT;
	}
	ts->in_runtime++;
	upstare__xf_armed = 1;
	err = upstare__guarded(call_void, (void *)fn, why, sizeof(why));
	upstare__xf_armed = 0;
	ts->in_runtime--;
	if (err == -EFAULT && why[0])
		upstare__reason("%s %s", what, why);	/* a fault, exit() or abort() */
	else if (err)
		upstare__reason("%s failed (%d)%s%s", what, err, upstare__fail_msg[0] ? ": " : "",
				upstare__fail_msg);
	return err;
}

/*
 * The patch's hooks of one kind (UPSTARE_PRE_COMMIT, UPSTARE_ON_ROLLBACK),
 * in link order.  Pre-commit hooks stop at the first error; rollback hooks
 * all run, each under a deadline of the update's timeout from its start
 * (the update's own may be what passed), their errors only reported.
 */
int upstare__run_hooks(unsigned kind)
{
	const struct upstare_xform *x = upstare__patch->p->xf_begin, *end = upstare__patch->p->xf_end;
	int rollback = kind == UPSTARE_XF_ON_ROLLBACK, err = 0;
	char what[200];

	for (; x && x < end; x++) {
		if (x->kind != kind || !x->hook)
			continue;
		if (rollback) {
			/* a deadline of its own, and its own grace in library code */
			xf_retries = xf_in_library = 0;
			xf_deadline = upstare__mono_ns() + upstare_control.timeout_ms * 1000000ull;
			if (xf_have_timer) {
				struct itimerspec it = {
					.it_value = { xf_deadline / 1000000000ull,
						      xf_deadline % 1000000000ull },
				};

				timer_settime(xf_timer, TIMER_ABSTIME, &it, NULL);
			}
		}
		snprintf(what, sizeof(what), "%s hook %s", rollback ? "rollback" : "pre-commit",
			 x->a);
		err = call_xform(x->hook, what);
		if (err && !rollback)
			return err;
	}
	return rollback ? 0 : err;
}

void *upstare_new_function(const char *name, const char *file)
{
	const struct __upstare_fdesc *found = NULL;

	if (!upstare__patch->p || !name || !upstare__xf_armed)
		return NULL;
	for (const struct __upstare_fdesc *d = upstare__patch->fns.begin; d && d < upstare__patch->fns.end;
	     d++) {
		if (strcmp(d->name, name) ||
		    (file && strcmp(upstare__base_name(d->file), upstare__base_name(file))))
			continue;
		if (found)
			return NULL;	/* two of that name: the file says which */
		found = d;
	}
	return found ? found->fn : NULL;
}

static const struct upstare_xform *cur_xf;
static void *xf_new, *xf_old;
static unsigned long xf_old_size;
static struct upstare_frame *xf_frame;

static const struct __upstare_global_move *cur_move;

static int run_obj_xform(void)
{
	int err;

	if (!cur_xf)
		return upstare__gen_convert(cur_move, xf_old, xf_new);
	upstare__default_set(cur_move->gen, cur_move->old_size, cur_move->new_size);
	err = cur_xf->obj(xf_new, xf_old, xf_old_size);
	upstare__default_set(NULL, 0, 0);
	return err;
}

static int run_frame_xform(void)
{
	return cur_xf->frame(xf_frame);
}

/*
 * The globals kept as they are that lead through pointers to records
 * whose layout changed: those pointers must be NULL (heap objects are not
 * converted).  At prepare, and again once every thread is parked.
 */
static int check_watched(int at_transform)
{
	int err = 0;

	for (unsigned i = 0; i < upstare__patch->p->nwatches; i++) {
		const struct __upstare_watch *w = &upstare__patch->p->watches[i];
		void *old;

		if (!w->sym)
			continue;
		old = upstare__sym(w->sym);
		upstare__fail_msg[0] = 0;
		if (!old) {
			upstare__reason("global %s: storage %s not found", w->name, w->sym);
			err = -ENOENT;
		} else if (upstare__watch_check(w, old, at_transform ? old : NULL)) {
			upstare__reason("global %s: %s", w->name, upstare__fail_msg);
			err = -EINVAL;
		}
	}
	return err;
}

/* Is every changed global covered by a transformer?  Checked at prepare. */
int upstare__check_moves(void)
{
	int err = check_watched(0);

	/* every global the patch cannot convert, not only the first */
	for (unsigned i = 0; i < upstare__patch->p->nmoves; i++) {
		const struct __upstare_global_move *m = &upstare__patch->p->moves[i];
		void *old = upstare__sym(m->old_sym);
		void *new = upstare__obj_sym(upstare__patch->obj, m->new_sym);

		if (!old || !new) {
			upstare__reason("global %s: storage %s or %s not found", m->name, m->old_sym,
			       m->new_sym);
			err = -ENOENT;
			continue;
		}
		if (upstare__xf_find(UPSTARE_XF_GLOBAL, m->name, NULL) ||
		    upstare__xf_find(UPSTARE_XF_TYPE, m->new_type, NULL))
			continue;	/* the patch's transformer */
		if (!m->gen || (m->gen->why && !upstare__gen_unchanged(m, old))) {
			char why[600] = "";

			/* generated: refused now only if it cannot work (checked again
			 * once every thread is parked) */
			if (m->gen)
				snprintf(why, sizeof(why), "; none can be generated (%s)%s",
					 m->gen->why, m->gen->image ? " and it changed since the "
					 "program started" : "");
			if (strcmp(m->old_type, m->new_type))
				upstare__reason("global %s changed type from '%s' to '%s' and the "
						"patch has no transformer for it%s", m->name,
						m->old_type, m->new_type, why);
			else
				upstare__reason("global %s: the layout of '%s' changed and the "
						"patch has no transformer for it%s", m->name,
						m->new_type, why);
			err = err ? err : -EINVAL;
		} else {
			/* what would refuse the generated one now (a pointer not NULL) */
			upstare__fail_msg[0] = 0;
			if (upstare__gen_dry_run(m, old, new)) {
				upstare__reason("global %s: %s", m->name, upstare__fail_msg);
				err = err ? err : -EINVAL;
			}
		}
	}
	return err;
}

int upstare__transform_globals(void)
{
	if (check_watched(1))
		return -EINVAL;
	for (unsigned i = 0; i < upstare__patch->p->nmoves; i++) {
		const struct __upstare_global_move *m = &upstare__patch->p->moves[i];
		char what[256];

		cur_xf = upstare__xf_find(UPSTARE_XF_GLOBAL, m->name, NULL);
		if (!cur_xf)
			cur_xf = upstare__xf_find(UPSTARE_XF_TYPE, m->new_type, NULL);
		xf_old = upstare__sym(m->old_sym);
		xf_new = upstare__obj_sym(upstare__patch->obj, m->new_sym);
		xf_old_size = m->old_size;
		cur_move = m;
		snprintf(what, sizeof(what), "%stransformer of global %s", cur_xf ? "" :
			 "generated ", m->name);
		if (call_xform(run_obj_xform, what))
			return -EINVAL;
	}
	return 0;
}

/* Does a local of this type hold (by value) a record the patch changed? */
static int holds_changed_record(const char *type)
{
	size_t n;

	if (!(type = upstare__record_of(type, &n)))
		return 0;
	for (unsigned i = 0; i < upstare__patch->p->nchanged_types; i++)
		if (strlen(upstare__patch->p->changed_types[i]) == n &&
		    !strncmp(upstare__patch->p->changed_types[i], type, n))
			return 1;
	return 0;
}

static int is_temp(const char *name)
{
	return !strncmp(name, "__us_t", 6) && name[6] >= '0' && name[6] <= '9';
}

/*
 * Temporaries (call arguments evaluated before a continuation label) are
 * numbered per function, so they map by their rank among those live at
 * the continuation point, not by name.
 */
static int same_temp(const struct __upstare_fdesc *ofd, unsigned ocp,
		     const struct __upstare_local *ol, const struct __upstare_fdesc *nfd,
		     unsigned ncp, const struct __upstare_local *nl)
{
	const struct __upstare_cp *o = &ofd->cps[ocp], *n;
	unsigned on, nn;

	if (ncp >= nfd->ncps || !is_temp(ol->key))
		return 0;
	n = &nfd->cps[ncp];
	on = strtoul(ol->key + 6, NULL, 10);
	nn = strtoul(nl->key + 6, NULL, 10);
	return on > o->tlo && on <= o->thi && nn > n->tlo && nn <= n->thi &&
	       on - o->tlo == nn - n->tlo && o->thi - o->tlo == n->thi - n->tlo;
}

/* Do local keys a and b ("name" or "name#N") name locals of one name? */
static int same_name(const char *a, const char *b)
{
	for (; *a == *b && *a && *a != '#'; a++, b++)
		;
	return (!*a || *a == '#') && (!*b || *b == '#');
}

/* A frame's locals as seen from its continuation point. */
struct frame_view {
	const struct __upstare_fdesc *fd;
	unsigned cp;
	unsigned char *live;	/* [i]: local i is in scope at cp */
};

/*
 * Mark the locals of v->fd in scope at v->cp: those of the function's
 * scope (0) and of the blocks around the point.  Past the table (a point
 * a stack transformer is to set), only the function's scope is.
 */
static int view_init(struct frame_view *v, const struct __upstare_fdesc *fd, unsigned cp)
{
	v->fd = fd;
	v->cp = cp;
	v->live = calloc(fd->nlocals + 1, 1);
	if (!v->live)
		return -ENOMEM;
	for (unsigned i = 0; i < fd->nlocals; i++) {
		unsigned sc = cp < fd->ncps ? fd->cps[cp].scope : 0;

		while (sc && sc != fd->locals[i].scope && sc <= fd->nscopes)
			sc = fd->scope_parent[sc];
		v->live[i] = sc == fd->locals[i].scope;
	}
	return 0;
}

/*
 * The place of local idx (in scope) among the locals of its name in scope:
 * the function's first, then the one of the next block in (a block has a
 * smaller number than those inside it), and so on; two in one scope, from
 * statement expressions, in source order.
 */
static unsigned scope_rank(const struct frame_view *v, unsigned idx)
{
	const struct __upstare_local *l = &v->fd->locals[idx];
	unsigned rank = 0;

	for (unsigned i = 0; i < v->fd->nlocals; i++) {
		const struct __upstare_local *m = &v->fd->locals[i];

		if (i != idx && v->live[i] && same_name(m->key, l->key))
			rank += m->scope < l->scope || (m->scope == l->scope && i < idx);
	}
	return rank;
}

/*
 * The old local that local idx of the new frame continues, or NULL.  The
 * locals in scope at the continuation point match by name and scope_rank();
 * the others, out of their block there, hold nothing and match by key, so
 * side-stack ones keep their blocks.  Temporaries match by rank.
 */
static const struct __upstare_local *counterpart(const struct frame_view *o,
						 const struct frame_view *n, unsigned idx)
{
	const struct __upstare_local *nl = &n->fd->locals[idx];
	int rank = -1;

	for (unsigned k = 0; k < o->fd->nlocals; k++) {
		const struct __upstare_local *ol = &o->fd->locals[k];

		if (is_temp(nl->key)) {
			if (same_temp(o->fd, o->cp, ol, n->fd, n->cp, nl))
				return ol;
			continue;
		}
		if (is_temp(ol->key) || o->live[k] != n->live[idx])
			continue;
		if (!n->live[idx]) {
			if (!strcmp(ol->key, nl->key))
				return ol;
			continue;
		}
		if (!same_name(ol->key, nl->key))
			continue;
		if (rank < 0)
			rank = scope_rank(n, idx);
		if (scope_rank(o, k) == (unsigned)rank)
			return ol;
	}
	return NULL;
}

/* Is local idx of fd not saved at point cp (its bytes undefined)? */
static int unsaved(const struct __upstare_fdesc *fd, unsigned cp, unsigned idx)
{
	if (cp >= fd->ncps)
		return 0;
	for (unsigned i = 0; i < fd->cps[cp].ndead; i++)
		if (fd->cps[cp].dead[i] == idx)
			return 1;
	return 0;
}

/*
 * Copy the locals of saved frame f that the new frame nf continues.  A
 * local in scope that changed type rolls the update back, unless the
 * patch has a stack transformer (cur_xf) to convert it.
 */
static int copy_locals(const struct frame *f, struct frame *nf, pid_t tid)
{
	const struct __upstare_fdesc *nfd = nf->hdr.fd;
	struct frame_view o, n = { 0 };
	const struct __upstare_watch *w;
	int err = view_init(&o, f->hdr.fd, f->hdr.cp);

	if (err || (err = view_init(&n, nfd, nf->hdr.cp))) {
		upstare__reason("out of memory converting a frame of %s()", nfd->name);
		goto out;
	}
	for (unsigned j = 0; j < nfd->nlocals; j++) {
		const struct __upstare_local *nl = &nfd->locals[j];
		const struct __upstare_local *ol = counterpart(&o, &n, j);

		if (!ol)
			continue;
		if (n.live[j] && !((nl->flags | ol->flags) & __UPSTARE_LOCAL_ADDR) &&
		    !unsaved(f->hdr.fd, f->hdr.cp, (unsigned)(ol - f->hdr.fd->locals)) &&
		    (w = upstare__watch_local(nfd->name, nl->key)) && w->size == ol->size) {
			upstare__fail_msg[0] = 0;
			if (upstare__watch_check(w, (const char *)&f->hdr + ol->offset,
						 (char *)&nf->hdr + nl->offset)) {
				upstare__reason("thread %d: local %s of %s(): %s", tid, nl->key,
						nfd->name, upstare__fail_msg);
				err = -EINVAL;
				goto out;
			}
		}
		if (strcmp(ol->type, nl->type) || ol->size != nl->size ||
		    holds_changed_record(nl->type)) {
			int gen = -ENOENT;

			/* out of its block, it holds nothing */
			if (!n.live[j])
				continue;
			/* a record (or array of them) whose layout changed, kept in
			 * the frame record: the type's generated conversion */
			upstare__fail_msg[0] = 0;
			if (!strcmp(ol->type, nl->type) &&
			    !((nl->flags | ol->flags) & __UPSTARE_LOCAL_ADDR))
				gen = upstare__gen_local(ol->type, (const char *)&f->hdr + ol->offset,
							 ol->size, (char *)&nf->hdr + nl->offset,
							 nl->size);
			if (!gen || cur_xf)
				continue;	/* else the stack transformer's job */
			if (gen == -EINVAL) {
				upstare__reason("thread %d: local %s of %s(): the generated "
						"conversion of '%s' failed: %s", tid, nl->key,
						nfd->name, nl->type, upstare__fail_msg);
				err = -EINVAL;
				goto out;
			}
			upstare__reason("thread %d: local %s of %s() changed type ('%s' to '%s', or "
					"its layout) and the patch has no stack transformer for "
					"%s()", tid, nl->key, nfd->name, ol->type, nl->type,
					nfd->name);
			err = -EINVAL;
			goto out;
		}
		memcpy((char *)&nf->hdr + nl->offset, (const char *)&f->hdr + ol->offset, nl->size);
		if ((nl->flags & ol->flags & __UPSTARE_LOCAL_ADDR))
			memcpy((char *)&nf->hdr + nl->addr_offset,
			       (const char *)&f->hdr + ol->addr_offset, sizeof(void *));
	}
out:
	free(o.live);
	free(n.live);
	return err;
}

/*
 * Why a saved frame cannot be converted to the patch's code, as
 * convert_frame() would find, or NULL when it can (as far as can be told
 * before running transformers: a stack transformer may set any key).
 */
const char *upstare__unmappable(const struct frame *f)
{
	const struct __upstare_fdesc *ofd = f->hdr.fd, *nfd;
	const struct upstare_xform *x = upstare__xf_find(UPSTARE_XF_MAP_FUNCTION, ofd->name, NULL);
	const char *key = f->hdr.cp < ofd->ncps ? ofd->cps[f->hdr.cp].key : "";
	const struct upstare_xform *kx = upstare__xf_find(UPSTARE_XF_MAP_KEY, ofd->name, key);

	nfd = upstare__fn_lookup(&upstare__patch->fns, x ? x->b : ofd->name, ofd->file);
	if (!nfd || !nfd->restorable)
		return "the patch has no version of this function";
	if (upstare__xf_find(UPSTARE_XF_STACK, nfd->name, NULL))
		return NULL;
	if (kx)
		key = kx->c;
	for (unsigned i = 0; i < nfd->ncps; i++)
		if (!strcmp(nfd->cps[i].key, key))
			return NULL;
	return "no point with this key in the patch, and no mapping";
}

/*
 * For a frame whose function the patch does not have: the new version's
 * functions of the same source file that the running version does not
 * have, as the mapping to write.
 */
static void suggest_function(char *buf, size_t n, const struct __upstare_fdesc *ofd)
{
	const struct upstare__fntab *old = upstare__cur_fns();
	const struct __upstare_fdesc *one = NULL;
	size_t at = 0;
	int k = 0;

	buf[0] = 0;
	for (const struct __upstare_fdesc *d = upstare__patch->fns.begin; d && d < upstare__patch->fns.end;
	     d++) {
		if (!d->restorable ||
		    strcmp(upstare__base_name(d->file), upstare__base_name(ofd->file)) ||
		    upstare__fn_lookup(old, d->name, d->file))
			continue;
		if (!k++)
			one = d;
		if (k <= 6 && at < n)
			at += snprintf(buf + at, n - at, "%s%s()", k > 1 ? ", " : "", d->name);
	}
	if (k == 1)
		snprintf(buf, n, "; if %s() became %s(), add UPSTARE_MAP_FUNCTION(\"%s\", \"%s\") "
			 "to the patch", ofd->name, one->name, ofd->name, one->name);
	else if (k > 1 && at < n)
		snprintf(buf + at, n - at, "%s are new in %s; map one with "
			 "UPSTARE_MAP_FUNCTION(\"%s\", \"NEW\")", k > 6 ? ", ..." : "",
			 upstare__base_name(ofd->file), ofd->name);
	if (k > 1) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "; %s", buf);
		snprintf(buf, n, "%s", tmp);
	}
}

/*
 * For a frame at a point the new version of its function does not have:
 * the new version's points the old one does not have, as the mapping to
 * write.
 */
static void suggest_key(char *buf, size_t n, const struct __upstare_fdesc *ofd,
			const struct __upstare_fdesc *nfd, const char *key)
{
	const struct __upstare_cp *one = NULL;
	size_t at = 0;
	int k = 0;

	buf[0] = 0;
	for (unsigned i = 0; i < nfd->ncps; i++) {
		unsigned j;

		for (j = 0; j < ofd->ncps && strcmp(ofd->cps[j].key, nfd->cps[i].key); j++)
			;
		if (j < ofd->ncps)
			continue;
		if (!k++)
			one = &nfd->cps[i];
		if (k <= 6 && at < n)
			at += snprintf(buf + at, n - at, "%s%s (line %u)", k > 1 ? ", " : "",
				       nfd->cps[i].key, nfd->cps[i].line);
	}
	if (k == 1)
		snprintf(buf, n, "; if it goes on at %s (line %u) now, add UPSTARE_MAP_KEY(\"%s\", "
			 "\"%s\", \"%s\") to the patch", one->key, one->line, ofd->name, key,
			 one->key);
	else if (k > 1) {
		char tmp[512];

		snprintf(tmp, sizeof(tmp), "; the new %s() has %s%s that the old one has not: map "
			 "one with UPSTARE_MAP_KEY(\"%s\", \"%s\", \"KEY\")", nfd->name, buf,
			 k > 6 ? ", ..." : "", ofd->name, key);
		snprintf(buf, n, "%s", tmp);
	} else {
		snprintf(buf, n, "; the new %s() has no point the old one has not: a stack "
			 "transformer must choose where it goes on", nfd->name);
	}
}

/* The saved frame f, converted for the new version of its function. */
static struct frame *convert_frame(struct frame *f, pid_t tid)
{
	const struct __upstare_fdesc *ofd = f->hdr.fd, *nfd;
	const struct upstare_xform *x = upstare__xf_find(UPSTARE_XF_MAP_FUNCTION, ofd->name, NULL);
	const char *key = ofd->cps[f->hdr.cp].key;
	const struct upstare_xform *kx = upstare__xf_find(UPSTARE_XF_MAP_KEY, ofd->name, key);
	struct upstare_frame uf;
	struct frame *n;
	unsigned i;

	nfd = upstare__fn_lookup(&upstare__patch->fns, x ? x->b : ofd->name, ofd->file);
	if (!nfd || !nfd->restorable) {
		char hint[600];

		suggest_function(hint, sizeof(hint), ofd);
		upstare__reason("thread %d: %s() is on the stack and has no version in the patch%s",
		       tid, ofd->name, hint);
		return NULL;
	}
	n = calloc(1, offsetof(struct frame, hdr) + nfd->frame_size);
	if (!n) {
		upstare__reason("out of memory converting a frame of %s()", ofd->name);
		return NULL;
	}
	n->size = nfd->frame_size;
	n->hdr.fd = nfd;
	if (kx)
		key = kx->c;
	for (i = 0; i < nfd->ncps; i++)
		if (!strcmp(nfd->cps[i].key, key))
			break;
	n->hdr.cp = i;
	cur_xf = upstare__xf_find(UPSTARE_XF_STACK, nfd->name, NULL);
	if (i < nfd->ncps && !cur_xf &&
	    nfd->cps[i].thi - nfd->cps[i].tlo != ofd->cps[f->hdr.cp].thi - ofd->cps[f->hdr.cp].tlo) {
		upstare__reason("thread %d: %s() resumes at %s, where the new version saves %u "
		       "call arguments and the old one %u; the patch needs a stack transformer",
		       tid, nfd->name, key, nfd->cps[i].thi - nfd->cps[i].tlo,
		       ofd->cps[f->hdr.cp].thi - ofd->cps[f->hdr.cp].tlo);
		upstare__free_frame(n);
		return NULL;
	}
	if (copy_locals(f, n, tid)) {
		upstare__free_frame(n);
		return NULL;
	}
	uf.old = &f->hdr;
	uf.new = &n->hdr;
	if (cur_xf) {
		char what[256];

		/* the transformer sees the saved frame: put it back on rollback */
		if (save_old(&f->hdr, f->size)) {
			upstare__free_frame(n);
			return NULL;
		}
		xf_frame = &uf;
		snprintf(what, sizeof(what), "stack transformer of %s() at %s", nfd->name, key);
		if (call_xform(run_frame_xform, what)) {
			upstare__free_frame(n);
			return NULL;
		}
	}
	if (n->hdr.cp >= nfd->ncps) {
		char hint[600];

		suggest_key(hint, sizeof(hint), ofd, nfd, key);
		upstare__reason("thread %d: %s() is at continuation point %s, which the new version "
		       "does not have%s", tid, ofd->name, key, hint);
		upstare__free_frame(n);
		return NULL;
	}
	return n;
}

/*
 * Convert every parked thread's frames.  A frame that cannot be converted
 * does not stop the others being tried, so that the reasons name every
 * frame the patch does not cover, not only the first (until the deadline).
 */
int upstare__transform_frames(void)
{
	int err = 0;

	for (struct thread_state *t = upstare__threads; t; t = t->next_thread) {
		struct frame **tail = &t->newtop;

		if (!t->parked)
			continue;
		for (struct frame *f = t->top; f; f = f->next) {
			struct frame *n = convert_frame(f, t->tid);

			if (!n) {
				err = -EINVAL;
				if (upstare__mono_ns() >= xf_deadline)
					return err;
				continue;
			}
			*tail = n;
			tail = &n->next;
		}
	}
	return err;
}

