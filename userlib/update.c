// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Live updates: the control block, the protocol, patches and transformers.
 *
 * A controller writes a request into upstare_control (upstare-ctl.h) and
 * sends the update signal to every thread.  The signal handler only sets
 * __upstare_pending; the first thread that then reaches an update point
 * becomes the leader.  It loads and verifies the patch while every other
 * thread keeps running (prepare), so a refused patch never stops anything.
 * Then it opens the quiesce phase and kicks every registered thread: each
 * one unwinds from its next update point (a loop head, a function entry, or
 * a blocking call interrupted by the signal) to its entry wrapper, where it
 * parks on a futex.  When every thread is parked the leader runs the
 * transformers (globals, then every saved frame, converted to the new
 * functions by name and continuation key) and commits: every thread
 * rebuilds its stack in the new code.  A failing transformer or a deadline
 * passed before every thread parked makes it roll back: the saved frames
 * are rebuilt in the old code, as if nothing had been attempted.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "upstare.h"

#define ts upstare__ts

struct upstare_control upstare_control __attribute__((used, visibility("default"))) = {
	.magic = UPSTARE_CONTROL_MAGIC,
	.version = UPSTARE_CONTROL_VERSION,
	.size = sizeof(struct upstare_control),
	.timeout_ms = 2000,
};
#define cb upstare_control

struct upstare_thread_slot upstare_threads[UPSTARE_MAX_THREADS]
	__attribute__((used, visibility("default")));
char upstare_stacks[UPSTARE_STACKS_MAX] __attribute__((used, visibility("default")));

/* for threads beyond the table: not visible to the controller */
static __thread struct upstare_thread_slot spare_slot;


/* The executable's own function descriptors (section upstare_fn). */
extern const struct __upstare_fdesc __start_upstare_fn[] __attribute__((weak));
extern const struct __upstare_fdesc __stop_upstare_fn[] __attribute__((weak));

/* The functions of the version running now: where frames and pointers go. */
struct fntab {
	const struct __upstare_fdesc *begin, *end;
};

/* An old function's address and what it is now. */
struct xlate {
	void *old, *new;
};

static struct fntab cur_fns;
static void *cur_main_thunk;
static struct xlate *xl;
static unsigned nxl;

/* The update in progress (owned by the leader until the decision). */
static struct {
	void *dl;
	int fd;
	const struct __upstare_patch *p;
	struct fntab fns;
	unsigned result;
	char build_id[64];
} up;

static int reg_lock;
static struct thread_state *threads;
static int update_signal;
static __thread char fail_msg[512];

/* ------------------------------------------------------------ small tools */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

static void lock(void)
{
	while (__atomic_exchange_n(&reg_lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void unlock(void)
{
	__atomic_store_n(&reg_lock, 0, __ATOMIC_RELEASE);
}

static void futex_wait(uint32_t *w, uint32_t val, long timeout_ns)
{
	struct timespec t = { timeout_ns / 1000000000l, timeout_ns % 1000000000l };

	syscall(SYS_futex, w, FUTEX_WAIT_PRIVATE, val, timeout_ns ? &t : NULL, NULL, 0);
}

static void futex_wake(uint32_t *w)
{
	syscall(SYS_futex, w, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

static void reason(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void reason(const char *fmt, ...)
{
	size_t n = strnlen(cb.reasons, sizeof(cb.reasons));
	va_list ap;

	if (n && n + 2 < sizeof(cb.reasons))
		cb.reasons[n++] = '\n';
	va_start(ap, fmt);
	vsnprintf(cb.reasons + n, sizeof(cb.reasons) - n, fmt, ap);
	va_end(ap);
}

void upstare_fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fail_msg, sizeof(fail_msg), fmt, ap);
	va_end(ap);
}

unsigned int upstare_generation(void)
{
	return __atomic_load_n(&cb.generation, __ATOMIC_RELAXED);
}

static const char *base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p ? p : "";
}

/* ---------------------------------------------------- signals and threads */

static void on_update_signal(int sig)
{
	(void)sig;
	/* a wrapper interrupted by this signal retries: the program never
	 * sees it, even when it comes late, after the update is over */
	ts.kicked = 1;
	if (__atomic_load_n(&cb.request, __ATOMIC_RELAXED) !=
	    __atomic_load_n(&cb.ack, __ATOMIC_RELAXED))
		__upstare_pending = 1;
}

int upstare__update_signal(void)
{
	return update_signal;
}

static int build_id_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	char *out = data;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr), *end;

		if (ph->p_type != PT_NOTE)
			continue;
		end = p + ph->p_memsz;
		while (p + sizeof(ElfW(Nhdr)) <= end) {
			const ElfW(Nhdr) *nh = (const void *)p;
			const unsigned char *desc = (const unsigned char *)(nh + 1) +
						    ((nh->n_namesz + 3) & ~3u);

			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4) {
				for (unsigned j = 0; j < nh->n_descsz && j < 31; j++)
					sprintf(out + 2 * j, "%02x", desc[j]);
				return 1;
			}
			p = (const char *)desc + ((nh->n_descsz + 3) & ~3u);
		}
	}
	return 1;	/* only the first object: the executable */
}

static pthread_key_t exit_key;

/* A registered thread that exits without its entry wrapper's help. */
static void on_thread_exit(void *p)
{
	(void)p;
	if (ts.registered)
		upstare__thread_unregister();
}

/*
 * A forked child has only the forking thread: it can be updated on its
 * own (updates of a whole process tree at once are not built yet).
 */
static void after_fork_child(void)
{
	reg_lock = 0;
	threads = &ts;
	ts.next_thread = NULL;
	ts.tid = gettid();
	cb.nthreads = 1;
	memset(upstare_threads, 0, sizeof(upstare_threads));
	ts.slot = &upstare_threads[0];
	ts.slot->tid = ts.tid;
	cb.nslots = 1;
	cb.phase = UPSTARE_PH_IDLE;
	cb.ack = cb.request;
}

void upstare__signals_init(void)
{
	struct sigaction sa = { .sa_handler = on_update_signal };

	update_signal = SIGRTMIN + 2;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;	/* no SA_RESTART: blocking calls return EINTR */
	sigaction(update_signal, &sa, NULL);
	cb.update_signal = update_signal;
	dl_iterate_phdr(build_id_cb, cb.build_id);
	upstare__wrap_anchor();
	pthread_key_create(&exit_key, on_thread_exit);
	pthread_atfork(NULL, NULL, after_fork_child);
	cur_fns.begin = __start_upstare_fn;
	cur_fns.end = __stop_upstare_fn;
}

void upstare__thread_register(void)
{
	sigset_t s;

	ts.tid = gettid();
	sigemptyset(&s);
	sigaddset(&s, update_signal);
	pthread_sigmask(SIG_UNBLOCK, &s, NULL);
	pthread_setspecific(exit_key, &ts);
	lock();
	ts.slot = &spare_slot;
	for (unsigned i = 0; i < UPSTARE_MAX_THREADS; i++)
		if (!upstare_threads[i].tid) {
			ts.slot = &upstare_threads[i];
			if (i >= cb.nslots)
				cb.nslots = i + 1;
			break;
		}
	ts.slot->blocking = 0;
	__atomic_store_n(&ts.slot->tid, ts.tid, __ATOMIC_RELEASE);
	ts.next_thread = threads;
	threads = &ts;
	ts.registered = 1;
	cb.nthreads++;
	unlock();
}

void upstare__thread_unregister(void)
{
	lock();
	for (struct thread_state **p = &threads; *p; p = &(*p)->next_thread)
		if (*p == &ts) {
			*p = ts.next_thread;
			break;
		}
	ts.registered = 0;
	cb.nthreads--;
	__atomic_store_n(&ts.slot->tid, 0, __ATOMIC_RELEASE);
	ts.slot = &upstare__unregistered_slot;
	unlock();
	/* the leader may be waiting for this thread to park */
	__atomic_add_fetch(&cb.nparked, 0, __ATOMIC_SEQ_CST);
	futex_wake(&cb.nparked);
}

static void kick_unparked(void)
{
	lock();
	for (struct thread_state *t = threads; t; t = t->next_thread)
		if (!t->parked && t != &ts) {
			if (t->slot->blocking)
				syscall(SYS_tgkill, getpid(), t->tid, update_signal);
			/* a spurious wakeup: it unwinds at its next wait */
			if (t->wait_cond)
				pthread_cond_broadcast(t->wait_cond);
		}
	unlock();
}

/* -------------------------------------------------------------- functions */

static const struct __upstare_fdesc *fn_lookup(const struct fntab *t, const char *name,
					       const char *file)
{
	const struct __upstare_fdesc *by_name = NULL;

	for (const struct __upstare_fdesc *d = t->begin; d && d < t->end; d++) {
		if (strcmp(d->name, name))
			continue;
		if (!strcmp(base_name(d->file), base_name(file)))
			return d;
		by_name = d;
	}
	return by_name;
}

static int xlate_cmp(const void *a, const void *b)
{
	const struct xlate *x = a, *y = b;

	return x->old < y->old ? -1 : x->old > y->old;
}

void *__upstare_xlate(void *fn)
{
	unsigned lo = 0, hi = nxl;

	while (lo < hi) {
		unsigned mid = (lo + hi) / 2;

		if (xl[mid].old == fn)
			return xl[mid].new;
		if (xl[mid].old < fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return fn;
}

void *upstare__entry_fn(void *fn)
{
	return __upstare_xlate(fn);
}

static const struct __upstare_fdesc *fd_of_addr(const struct fntab *t, void *fn)
{
	for (const struct __upstare_fdesc *d = t->begin; d && d < t->end; d++)
		if (d->fn == fn)
			return d;
	return NULL;
}

/* Commit the function map: every old address calls the new version. */
static int commit_functions(void)
{
	struct xlate *n = malloc((nxl + (cur_fns.end - cur_fns.begin) + 1) * sizeof(*n));
	unsigned nn = 0;

	if (!n)
		return -ENOMEM;
	for (unsigned i = 0; i < nxl; i++) {
		const struct __upstare_fdesc *o = fd_of_addr(&cur_fns, xl[i].new), *d;

		d = o ? fn_lookup(&up.fns, o->name, o->file) : NULL;
		n[nn++] = (struct xlate){ xl[i].old, d && d->fn ? d->fn : xl[i].new };
	}
	for (const struct __upstare_fdesc *o = cur_fns.begin; o && o < cur_fns.end; o++) {
		const struct __upstare_fdesc *d = fn_lookup(&up.fns, o->name, o->file);

		if (o->fn && d && d->fn)
			n[nn++] = (struct xlate){ o->fn, d->fn };
	}
	if (up.p->main_thunk) {
		void *old = cur_main_thunk ? cur_main_thunk :
			    dlsym(RTLD_DEFAULT, "__upstare_main_thunk");

		for (unsigned i = 0; i < nn; i++)
			if (n[i].new == old)
				n[i].new = up.p->main_thunk;
		if (old)
			n[nn++] = (struct xlate){ old, up.p->main_thunk };
		cur_main_thunk = up.p->main_thunk;
	}
	qsort(n, nn, sizeof(*n), xlate_cmp);
	free(xl);
	xl = n;
	nxl = nn;
	cur_fns = up.fns;
	__upstare_xlate_on = 1;
	return 0;
}

/* ------------------------------------------------------------ transformers */

struct upstare_frame {
	struct __upstare_frame_hdr *old, *new;
};

static const struct upstare_xform *xf_find(unsigned kind, const char *a, const char *b)
{
	const struct upstare_xform *x = up.p->xf_begin, *end = up.p->xf_end;

	for (; x && x < end; x++)
		if (x->kind == kind && !strcmp(x->a, a) && (!b || !strcmp(x->b, b)))
			return x;
	return NULL;
}

static void *frame_local(struct __upstare_frame_hdr *h, const char *name, size_t *size)
{
	for (unsigned i = 0; i < h->fd->nlocals; i++)
		if (!strcmp(h->fd->locals[i].name, name)) {
			if (size)
				*size = h->fd->locals[i].size;
			return (char *)h + h->fd->locals[i].offset;
		}
	return NULL;
}

void *upstare_frame_old(struct upstare_frame *f, const char *name, size_t *size)
{
	return frame_local(f->old, name, size);
}

void *upstare_frame_new(struct upstare_frame *f, const char *name, size_t *size)
{
	return frame_local(f->new, name, size);
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

void *upstare_old_global(const char *name)
{
	for (unsigned i = 0; up.p && i < up.p->nmoves; i++)
		if (!strcmp(up.p->moves[i].name, name))
			return dlsym(RTLD_DEFAULT, up.p->moves[i].old_sym);
	return dlsym(RTLD_DEFAULT, name);
}

/* Run a user transformer with update points disabled. */
static int call_xform(int (*fn)(void), const char *what)
{
	int err;

	fail_msg[0] = 0;
	ts.in_runtime++;
	err = fn();
	ts.in_runtime--;
	if (err)
		reason("%s failed (%d)%s%s", what, err, fail_msg[0] ? ": " : "", fail_msg);
	return err;
}

static const struct upstare_xform *cur_xf;
static void *xf_new, *xf_old;
static unsigned long xf_old_size;
static struct upstare_frame *xf_frame;

static int run_obj_xform(void)
{
	return cur_xf->obj(xf_new, xf_old, xf_old_size);
}

static int run_frame_xform(void)
{
	return cur_xf->frame(xf_frame);
}

/* Is every changed global covered by a transformer?  Checked at prepare. */
static int check_moves(void)
{
	for (unsigned i = 0; i < up.p->nmoves; i++) {
		const struct __upstare_global_move *m = &up.p->moves[i];

		if (!dlsym(RTLD_DEFAULT, m->old_sym) || !dlsym(up.dl, m->new_sym)) {
			reason("global %s: storage %s or %s not found", m->name, m->old_sym,
			       m->new_sym);
			return -ENOENT;
		}
		if (!xf_find(UPSTARE_XF_GLOBAL, m->name, NULL) &&
		    !xf_find(UPSTARE_XF_TYPE, m->new_type, NULL)) {
			reason("global %s changed type from '%s' to '%s' and the patch has no "
			       "transformer for it", m->name, m->old_type, m->new_type);
			return -EINVAL;
		}
	}
	return 0;
}

static int transform_globals(void)
{
	for (unsigned i = 0; i < up.p->nmoves; i++) {
		const struct __upstare_global_move *m = &up.p->moves[i];
		char what[256];

		cur_xf = xf_find(UPSTARE_XF_GLOBAL, m->name, NULL);
		if (!cur_xf)
			cur_xf = xf_find(UPSTARE_XF_TYPE, m->new_type, NULL);
		xf_old = dlsym(RTLD_DEFAULT, m->old_sym);
		xf_new = dlsym(up.dl, m->new_sym);
		xf_old_size = m->old_size;
		snprintf(what, sizeof(what), "transformer of global %s", m->name);
		if (call_xform(run_obj_xform, what))
			return -EINVAL;
	}
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

	if (ncp >= nfd->ncps || !is_temp(ol->name))
		return 0;
	n = &nfd->cps[ncp];
	on = strtoul(ol->name + 6, NULL, 10);
	nn = strtoul(nl->name + 6, NULL, 10);
	return on > o->tlo && on <= o->thi && nn > n->tlo && nn <= n->thi &&
	       on - o->tlo == nn - n->tlo && o->thi - o->tlo == n->thi - n->tlo;
}

/* The saved frame f, converted for the new version of its function. */
static struct frame *convert_frame(struct frame *f, pid_t tid)
{
	const struct __upstare_fdesc *ofd = f->hdr.fd, *nfd;
	const struct upstare_xform *x = xf_find(UPSTARE_XF_MAP_FUNCTION, ofd->name, NULL);
	const char *key = ofd->cps[f->hdr.cp].key;
	const struct upstare_xform *kx = xf_find(UPSTARE_XF_MAP_KEY, ofd->name, key);
	struct upstare_frame uf;
	struct frame *n;
	unsigned i;

	nfd = fn_lookup(&up.fns, x ? x->b : ofd->name, ofd->file);
	if (!nfd || !nfd->rebuild) {
		reason("thread %d: %s() is on the stack and has no version in the patch",
		       tid, ofd->name);
		return NULL;
	}
	n = calloc(1, offsetof(struct frame, hdr) + nfd->frame_size);
	if (!n) {
		reason("out of memory converting a frame of %s()", ofd->name);
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
	cur_xf = xf_find(UPSTARE_XF_STACK, nfd->name, NULL);
	if (i < nfd->ncps && !cur_xf &&
	    nfd->cps[i].thi - nfd->cps[i].tlo != ofd->cps[f->hdr.cp].thi - ofd->cps[f->hdr.cp].tlo) {
		reason("thread %d: %s() resumes at %s, where the new version saves %u "
		       "call arguments and the old one %u; the patch needs a stack transformer",
		       tid, nfd->name, key, nfd->cps[i].thi - nfd->cps[i].tlo,
		       ofd->cps[f->hdr.cp].thi - ofd->cps[f->hdr.cp].tlo);
		free(n);
		return NULL;
	}
	for (unsigned j = 0; j < nfd->nlocals; j++) {
		const struct __upstare_local *nl = &nfd->locals[j];

		for (unsigned k = 0; k < ofd->nlocals; k++) {
			const struct __upstare_local *ol = &ofd->locals[k];

			if (!is_temp(nl->name) && strcmp(ol->name, nl->name))
				continue;
			if (is_temp(nl->name) && !same_temp(ofd, f->hdr.cp, ol, nfd, i, nl))
				continue;
			if (strcmp(ol->type, nl->type) || ol->size != nl->size) {
				if (cur_xf)
					continue;	/* the transformer's job */
				reason("thread %d: local %s of %s() changed type from '%s' to "
				       "'%s' and the patch has no stack transformer for %s()",
				       tid, nl->name, nfd->name, ol->type, nl->type, nfd->name);
				free(n);
				return NULL;
			}
			memcpy((char *)&n->hdr + nl->offset, (char *)&f->hdr + ol->offset,
			       nl->size);
			if ((nl->flags & ol->flags & __UPSTARE_LOCAL_ADDR))
				memcpy((char *)&n->hdr + nl->addr_offset,
				       (char *)&f->hdr + ol->addr_offset, sizeof(void *));
		}
	}
	uf.old = &f->hdr;
	uf.new = &n->hdr;
	if (cur_xf) {
		char what[256];

		xf_frame = &uf;
		snprintf(what, sizeof(what), "stack transformer of %s() at %s", nfd->name, key);
		if (call_xform(run_frame_xform, what)) {
			free(n);
			return NULL;
		}
	}
	if (n->hdr.cp >= nfd->ncps) {
		reason("thread %d: %s() is at continuation point %s, which the new version "
		       "does not have", tid, ofd->name, key);
		free(n);
		return NULL;
	}
	return n;
}

static int transform_frames(void)
{
	for (struct thread_state *t = threads; t; t = t->next_thread) {
		struct frame **tail = &t->newtop;

		if (!t->parked)
			continue;
		for (struct frame *f = t->top; f; f = f->next) {
			struct frame *n = convert_frame(f, t->tid);

			if (!n)
				return -EINVAL;
			*tail = n;
			tail = &n->next;
		}
	}
	return 0;
}

/* ----------------------------------------------------------------- prepare */

/* The hex GNU build id and the .upstare_base string of an ELF64 file. */
static int read_patch_ids(int fd, char *id, size_t idsz, char *base, size_t basesz)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *strsh;
	char *names = NULL;
	int err = -ENOEXEC;

	id[0] = base[0] = 0;
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum)
		return err;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || pread(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff) !=
		   (ssize_t)(eh.e_shnum * sizeof(*sh)))
		goto out;
	strsh = &sh[eh.e_shstrndx];
	names = calloc(1, strsh->sh_size + 1);
	if (!names || pread(fd, names, strsh->sh_size, strsh->sh_offset) !=
		      (ssize_t)strsh->sh_size)
		goto out;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		const char *nm = sh[i].sh_name < strsh->sh_size ? names + sh[i].sh_name : "";
		unsigned char buf[256];
		size_t n = sh[i].sh_size < sizeof(buf) ? sh[i].sh_size : sizeof(buf) - 1;

		if (strcmp(nm, ".note.gnu.build-id") && strcmp(nm, ".upstare_base"))
			continue;
		if (pread(fd, buf, n, sh[i].sh_offset) != (ssize_t)n)
			goto out;
		if (!strcmp(nm, ".upstare_base")) {
			snprintf(base, basesz, "%.*s", (int)n, (char *)buf);
		} else if (n >= 16) {
			Elf64_Nhdr *nh = (void *)buf;
			unsigned char *d = buf + sizeof(*nh) + ((nh->n_namesz + 3) & ~3u);

			for (unsigned j = 0; j < nh->n_descsz && 2 * j + 2 < idsz &&
			     d + j < buf + n; j++)
				sprintf(id + 2 * j, "%02x", d[j]);
		}
	}
	err = 0;
out:
	free(sh);
	free(names);
	return err;
}

static int prepare(void)
{
	char path[UPSTARE_PATCH_MAX], base[128], proc[64];
	struct stat st;

	memset(&up, 0, sizeof(up));
	up.fd = -1;
	memcpy(path, cb.patch, sizeof(path));
	path[sizeof(path) - 1] = 0;
	up.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (up.fd < 0 || fstat(up.fd, &st)) {
		reason("patch %s: %s", path, strerror(errno));
		goto refuse;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		reason("patch %s: must be a regular file owned by root and writable by "
		       "no one else (owner %u, mode %04o)", path, st.st_uid,
		       st.st_mode & 07777);
		goto refuse;
	}
	if (read_patch_ids(up.fd, up.build_id, sizeof(up.build_id), base, sizeof(base))) {
		reason("patch %s: not a shared object", path);
		goto refuse;
	}
	if (!base[0]) {
		reason("patch %s: not built with upstare-cc --patch", path);
		goto refuse;
	}
	if (strcmp(base, cb.build_id)) {
		reason("patch %s was built for build id %s, this process runs %s", path, base,
		       cb.build_id);
		goto refuse;
	}
	/* by descriptor: the file checked is the file loaded; kept open so
	 * the next patch gets another name */
	snprintf(proc, sizeof(proc), "/proc/self/fd/%d", up.fd);
	up.dl = dlopen(proc, RTLD_NOW | RTLD_GLOBAL);
	if (!up.dl) {
		reason("patch %s: %s", path, dlerror());
		goto refuse;
	}
	up.p = dlsym(up.dl, "__upstare_patch_info");
	if (!up.p || up.p->abi != __UPSTARE_ABI) {
		reason("patch %s: no patch information of this runtime's ABI", path);
		goto refuse;
	}
	up.fns.begin = up.p->fd_begin;
	up.fns.end = up.p->fd_end;
	if (check_moves())
		goto refuse;
	return 0;
refuse:
	if (up.dl)
		dlclose(up.dl);
	if (up.fd >= 0)
		close(up.fd);
	up.dl = NULL;
	up.fd = -1;
	return -EINVAL;
}

/* --------------------------------------------------------------- protocol */

static void finish(unsigned result)
{
	cb.result = result;
	cb.t_ns[UPSTARE_T_RESUMED] = now_ns();
	if (!upstare__selftest_mode())
		__upstare_pending = 0;
	__atomic_store_n(&cb.phase, UPSTARE_PH_IDLE, __ATOMIC_SEQ_CST);
	futex_wake(&cb.phase);
	__atomic_store_n(&cb.ack, cb.request, __ATOMIC_SEQ_CST);
}

int upstare__update_point(void)
{
	uint32_t ph;

	if (ts.nr_depth || ts.in_runtime || ts.unwinding || ts.rebuilding || !ts.registered)
		return 0;
	ph = __atomic_load_n(&cb.phase, __ATOMIC_ACQUIRE);
	if (ph == UPSTARE_PH_IDLE) {
		uint32_t idle = UPSTARE_PH_IDLE;

		if (__atomic_load_n(&cb.request, __ATOMIC_ACQUIRE) == cb.ack)
			return 0;
		if (!__atomic_compare_exchange_n(&cb.phase, &idle, UPSTARE_PH_PREPARE, 0,
						 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return 0;
		memset(cb.t_ns, 0, sizeof(cb.t_ns));
		cb.t_ns[UPSTARE_T_REQUEST] = now_ns();
		cb.reasons[0] = 0;
		cb.nparked = cb.nresumed = 0;
		if (prepare()) {
			finish(UPSTARE_RES_REFUSED);
			return 0;
		}
		cb.t_ns[UPSTARE_T_PREPARED] = now_ns();
		ts.parked = -1;	/* the leader */
		__atomic_store_n(&cb.phase, UPSTARE_PH_QUIESCE, __ATOMIC_SEQ_CST);
		kick_unparked();
	} else if (ph != UPSTARE_PH_QUIESCE) {
		return 0;
	}
	ts.unwinding = 1;
	ts.update_unwind = 1;
	return 1;
}

/* x86-64 numbers of the blocking calls a thread is commonly found in. */
static const char *syscall_name(long nr)
{
	static const struct { long nr; const char *name; } t[] = {
		{ 0, "read" }, { 1, "write" }, { 7, "poll" }, { 19, "readv" },
		{ 20, "writev" }, { 23, "select" }, { 34, "pause" }, { 35, "nanosleep" },
		{ 43, "accept" }, { 44, "sendto" }, { 45, "recvfrom" }, { 46, "sendmsg" },
		{ 47, "recvmsg" }, { 61, "wait4" }, { 202, "futex" }, { 230, "clock_nanosleep" },
		{ 232, "epoll_wait" }, { 270, "pselect6" }, { 271, "ppoll" },
		{ 281, "epoll_pwait" }, { 288, "accept4" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].nr == nr)
			return t[i].name;
	return NULL;
}

static void timeout_reasons(void)
{
	reason("timed out after %u ms waiting for threads to reach an update point",
	       cb.timeout_ms);
	for (struct thread_state *t = threads; t; t = t->next_thread) {
		char path[96], comm[64] = "?", buf[4096];
		unsigned long long blk = 0;
		long sc = -1;
		FILE *f;

		if (t->parked)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", t->tid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/status", t->tid);
		if ((f = fopen(path, "re"))) {
			while (fgets(buf, sizeof(buf), f))
				if (!strncmp(buf, "SigBlk:", 7))
					blk = strtoull(buf + 7, NULL, 16);
			fclose(f);
		}
		snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", t->tid);
		if ((f = fopen(path, "re"))) {
			if (fgets(buf, sizeof(buf), f) && buf[0] >= '0' && buf[0] <= '9')
				sc = strtol(buf, NULL, 10);
			fclose(f);
		}
		reason("pid %d thread %d (%s): did not reach an update point%s%s%s",
		       getpid(), t->tid, comm,
		       t->nr_depth ? ", inside a frame that cannot be rebuilt (signal handler, "
		       "callback from library code, setjmp)" : "",
		       sc < 0 ? "" : syscall_name(sc) ?
		       (snprintf(buf, sizeof(buf), ", blocked in %s()", syscall_name(sc)), buf) :
		       (snprintf(buf, sizeof(buf), ", blocked in system call %ld", sc), buf),
		       blk & (1ull << (update_signal - 1)) ? ", with the update signal blocked" :
		       "");
	}
}

/*
 * Group update: every process of the group is transformed and waits for
 * the controller's decision.  Nonzero means abort.  Polled: the controller
 * is another process and cannot wake a private futex.
 */
/* upstare_stacks[]: the parked threads' saved frames, for checks. */
static void export_stacks(void)
{
	size_t len = 0, cap = sizeof(upstare_stacks);
	int truncated = 0;

	for (struct thread_state *t = threads; t && !truncated; t = t->next_thread) {
		char path[64], comm[32] = "?", line[1024];
		FILE *f;
		int n;

		if (!t->parked)
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%d/comm", t->tid);
		if ((f = fopen(path, "re"))) {
			if (fgets(comm, sizeof(comm), f))
				comm[strcspn(comm, "\n")] = 0;
			fclose(f);
		}
		n = snprintf(line, sizeof(line), "thread %d %s\n", t->tid, comm);
		for (struct frame *fr = t->top; ; fr = fr->next) {
			if (n < 0 || (size_t)n >= sizeof(line) || len + n > cap) {
				truncated = 1;
				break;
			}
			memcpy(upstare_stacks + len, line, n);
			len += n;
			if (!fr)
				break;
			n = snprintf(line, sizeof(line), "%s\t%s\t%u\t%s\n", fr->hdr.fd->name,
				     fr->hdr.fd->file, fr->hdr.fd->cps[fr->hdr.cp].line,
				     fr->hdr.fd->cps[fr->hdr.cp].key);
		}
	}
	cb.stacks_len = len;
	cb.stacks_truncated = truncated;
}

static int group_decision(void)
{
	uint64_t deadline = now_ns() + (cb.timeout_ms + 10000ull) * 1000000ull;
	uint32_t d;

	if (!cb.group)
		return 0;
	export_stacks();
	__atomic_store_n(&cb.phase, UPSTARE_PH_READY, __ATOMIC_SEQ_CST);
	while ((d = __atomic_load_n(&cb.decision, __ATOMIC_ACQUIRE)) == UPSTARE_DECIDE_NONE) {
		if (now_ns() > deadline) {
			reason("no decision from the controller of the group update");
			return -ETIMEDOUT;
		}
		usleep(200);
	}
	if (d != UPSTARE_DECIDE_COMMIT) {
		reason("the controller aborted the update (a check failed, or another "
		       "process of the group could not be updated)");
		return -ECANCELED;
	}
	return 0;
}

/* The leader, parked: wait for everyone, transform, decide. */
static void lead(void)
{
	uint64_t deadline = cb.t_ns[UPSTARE_T_REQUEST] + cb.timeout_ms * 1000000ull;
	uint64_t last_kick = now_ns();
	unsigned decision;

	for (;;) {
		uint32_t seen = __atomic_load_n(&cb.nparked, __ATOMIC_ACQUIRE);
		uint64_t t = now_ns();

		lock();
		if (cb.nparked == cb.nthreads) {
			cb.t_ns[UPSTARE_T_ALL_PARKED] = t;
			__atomic_store_n(&cb.phase, UPSTARE_PH_TRANSFORM, __ATOMIC_SEQ_CST);
			unlock();
			break;
		}
		if (t >= deadline) {
			timeout_reasons();
			up.result = UPSTARE_RES_TIMEOUT;
			__atomic_store_n(&cb.phase, UPSTARE_PH_ROLLBACK, __ATOMIC_SEQ_CST);
			unlock();
			goto decided;
		}
		unlock();
		if (t - last_kick > 10000000ull) {
			kick_unparked();
			last_kick = t;
		}
		futex_wait(&cb.nparked, seen, 2000000);
	}
	if (transform_globals() || transform_frames() || group_decision()) {
		for (struct thread_state *t = threads; t; t = t->next_thread) {
			upstare__free_frames(t->newtop);
			t->newtop = NULL;
		}
		up.result = UPSTARE_RES_ROLLED_BACK;
		decision = UPSTARE_PH_ROLLBACK;
	} else {
		commit_functions();
		for (struct thread_state *t = threads; t; t = t->next_thread) {
			if (!t->parked)
				continue;
			upstare__free_frames(t->top);
			t->top = t->newtop;
			t->newtop = NULL;
		}
		memcpy(cb.build_id, up.build_id, sizeof(cb.build_id));
		cb.generation++;
		up.result = UPSTARE_RES_APPLIED;
		decision = UPSTARE_PH_REBUILD;
	}
	cb.t_ns[UPSTARE_T_TRANSFORMED] = now_ns();
	__atomic_store_n(&cb.phase, decision, __ATOMIC_SEQ_CST);
decided:
	futex_wake(&cb.phase);
}

void upstare__park(void)
{
	int leader = ts.parked == -1;
	uint32_t ph;

	ts.update_unwind = 0;
	lock();
	ph = cb.phase;
	if (ph == UPSTARE_PH_QUIESCE) {
		ts.parked = 1;
		if (!cb.nparked++)
			cb.t_ns[UPSTARE_T_FIRST_PARK] = now_ns();
	} else {
		ts.parked = 0;	/* too late: the update was abandoned */
	}
	unlock();
	futex_wake(&cb.nparked);
	if (!ts.parked)
		return;
	if (leader)
		lead();
	while ((ph = __atomic_load_n(&cb.phase, __ATOMIC_ACQUIRE)) == UPSTARE_PH_QUIESCE ||
	       ph == UPSTARE_PH_TRANSFORM || ph == UPSTARE_PH_READY)
		futex_wait(&cb.phase, ph, 0);
}

void upstare__rebuilt(void)
{
	unsigned result;

	if (ts.parked != 1)
		return;
	ts.parked = 0;
	if (__atomic_add_fetch(&cb.nresumed, 1, __ATOMIC_SEQ_CST) != cb.nparked)
		return;
	/* the last thread back: the update is over */
	result = up.result;
	if (result != UPSTARE_RES_APPLIED && up.dl) {
		dlclose(up.dl);
		close(up.fd);
	}
	up.dl = NULL;
	finish(result);
}
