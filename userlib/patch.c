// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Patches: loading and checking one (prepare), and the table of functions
 * that old function addresses translate to once it is committed.
 *
 * A patch comes as a descriptor from the controller (it is never opened
 * by its path here), is checked (owner and mode, base build id, ABI) and
 * loaded from that descriptor by libupstare's own loader (load.c), so the
 * file checked is the file loaded; once applied, a later patch resolves
 * the globals this one moved (as it would against a dlopen(RTLD_GLOBAL)
 * object).  The transition (transition.c) then has transform.c check that
 * every changed global has a transformer, and has the function map
 * planned here.  Committing it maps every function of the version that
 * ran to its new version by name (and source file base name): indirect
 * calls and thread entries translate through that sorted table.
 *
 * The patch is a struct upstare_patch that this file owns: prepare
 * returns it, and the layers above read it through upstare__patch.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "runtime.h"
#include "upstare.h"


/* The executable's own function descriptors (section upstare_fn). */
extern const struct __upstare_fdesc __start_upstare_fn[] __attribute__((weak));
extern const struct __upstare_fdesc __stop_upstare_fn[] __attribute__((weak));

/* An old function's address and what it is now. */
struct xlate {
	void *old, *new;
};

volatile int __upstare_xlate_on;
/* the same flag for instrumented code in the executable (emit: __US_XLATE) */
extern volatile int __upstare_xlate_on_exe
	__attribute__((alias("__upstare_xlate_on"), visibility("hidden")));
static struct upstare_patch patch;
const struct upstare_patch *const upstare__patch = &patch;
static struct upstare__fntab cur_fns;
static void *cur_main_thunk;
static struct xlate *xl;
static unsigned nxl;

const struct upstare__fntab *upstare__cur_fns(void)
{
	return &cur_fns;
}

void upstare__functions_init(void)
{
	cur_fns.begin = __start_upstare_fn;
	cur_fns.end = __stop_upstare_fn;
}

const char *upstare__base_name(const char *p)
{
	const char *s = p ? strrchr(p, '/') : NULL;

	return s ? s + 1 : p ? p : "";
}

const struct __upstare_fdesc *upstare__fn_lookup(const struct upstare__fntab *t,
						 const char *name, const char *file)
{
	const struct __upstare_fdesc *by_name = NULL;

	for (const struct __upstare_fdesc *d = t->begin; d && d < t->end; d++) {
		if (strcmp(d->name, name))
			continue;
		if (!strcmp(upstare__base_name(d->file), upstare__base_name(file)))
			return d;
		by_name = d;
	}
	return by_name;
}

/*
 * The map, by old address: every indirect call of instrumented code after
 * the first update looks its target up here.
 */
static struct upstare__ptrmap xh;

void *__upstare_xlate(void *fn)
{
	void *to = upstare__ptrmap_get(&xh, fn);

	return to ? to : fn;
}

void *upstare__entry_fn(void *fn)
{
	return __upstare_xlate(fn);
}

/*
 * The functions of one version sorted for the commit, which looks up every
 * old function among the new ones (thousands in a real program: a linear
 * search each was most of the transform phase, 30 ms for 2000 functions):
 * by name (then table order, which upstare__fn_lookup's choice among
 * functions of one name follows), and by address.
 */
struct fn_index {
	const struct __upstare_fdesc **by_name, **by_addr;
	size_t n;
};

static int by_name_cmp(const void *a, const void *b)
{
	const struct __upstare_fdesc *x = *(const struct __upstare_fdesc *const *)a;
	const struct __upstare_fdesc *y = *(const struct __upstare_fdesc *const *)b;
	int c = strcmp(x->name, y->name);

	return c ? c : x < y ? -1 : x > y;
}

static int by_addr_cmp(const void *a, const void *b)
{
	const struct __upstare_fdesc *x = *(const struct __upstare_fdesc *const *)a;
	const struct __upstare_fdesc *y = *(const struct __upstare_fdesc *const *)b;

	return (uintptr_t)x->fn < (uintptr_t)y->fn ? -1 : (uintptr_t)x->fn > (uintptr_t)y->fn;
}

static int index_init(struct fn_index *ix, const struct upstare__fntab *t)
{
	ix->n = t->begin ? (size_t)(t->end - t->begin) : 0;
	ix->by_name = malloc((ix->n + 1) * sizeof(*ix->by_name));
	ix->by_addr = malloc((ix->n + 1) * sizeof(*ix->by_addr));
	if (!ix->by_name || !ix->by_addr)
		return -ENOMEM;
	for (size_t i = 0; i < ix->n; i++)
		ix->by_name[i] = ix->by_addr[i] = &t->begin[i];
	qsort(ix->by_name, ix->n, sizeof(*ix->by_name), by_name_cmp);
	qsort(ix->by_addr, ix->n, sizeof(*ix->by_addr), by_addr_cmp);
	return 0;
}

static void index_free(struct fn_index *ix)
{
	upstare__free_zeroed(ix->by_name, ix->by_name ? (ix->n + 1) * sizeof(*ix->by_name) : 0);
	upstare__free_zeroed(ix->by_addr, ix->by_addr ? (ix->n + 1) * sizeof(*ix->by_addr) : 0);
}

/* As upstare__fn_lookup(): the one of that file's base name, else the last. */
static const struct __upstare_fdesc *index_lookup(const struct fn_index *ix, const char *name,
						  const char *file)
{
	size_t lo = 0, hi = ix->n;
	const struct __upstare_fdesc *by_name = NULL;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (strcmp(ix->by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < ix->n && !strcmp(ix->by_name[lo]->name, name); lo++) {
		if (!strcmp(upstare__base_name(ix->by_name[lo]->file),
			    upstare__base_name(file)))
			return ix->by_name[lo];
		by_name = ix->by_name[lo];
	}
	return by_name;
}

/* The place of the function at address fn in ix->by_addr, or -1. */
static long index_addr(const struct fn_index *ix, void *fn)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if ((uintptr_t)ix->by_addr[mid]->fn < (uintptr_t)fn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < ix->n && ix->by_addr[lo]->fn == fn ? (long)lo : -1;
}

/* The function map of the patch being prepared (plan_functions()). */
static struct xlate *pend_xl;
static unsigned pend_nxl;
static struct upstare__ptrmap pend_xh;

/*
 * Make the function map the patch will commit: every old address (of every
 * version so far) to the patch's version of its function.  Done in
 * prepare, while every thread runs: it depends on nothing the threads
 * change, and the commit, with every thread parked, only swaps it in.
 */
static int plan_functions(void)
{
	struct xlate *n = malloc((nxl + (cur_fns.end - cur_fns.begin) + 2) * sizeof(*n));
	struct fn_index cur = { 0 }, nw = { 0 };
	void **to = NULL;	/* by cur.by_addr: the new version of each function */
	unsigned nn = 0;

	if (!n || index_init(&cur, &cur_fns) || index_init(&nw, &patch.fns) ||
	    !(to = calloc(cur.n + 1, sizeof(*to)))) {
		free(n);
		free(to);
		index_free(&cur);
		index_free(&nw);
		return -ENOMEM;
	}
	/* each function of the running version, looked up once */
	for (size_t k = 0; k < cur.n; k++) {
		const struct __upstare_fdesc *o = cur.by_addr[k];
		const struct __upstare_fdesc *d = index_lookup(&nw, o->name, o->file);

		to[k] = d && d->fn ? d->fn : NULL;
		if (o->fn && to[k])
			n[nn++] = (struct xlate){ o->fn, to[k] };
	}
	/* and every older address, through what it calls now */
	for (unsigned i = 0; i < nxl; i++) {
		long k = index_addr(&cur, xl[i].new);

		n[nn++] = (struct xlate){ xl[i].old, k >= 0 && to[k] ? to[k] : xl[i].new };
	}
	upstare__free_zeroed(to, (cur.n + 1) * sizeof(*to));
	index_free(&cur);
	index_free(&nw);
	if (patch.p->main_thunk) {
		void *old = cur_main_thunk ? cur_main_thunk :
			    dlsym(RTLD_DEFAULT, "__upstare_main_thunk");

		for (unsigned i = 0; i < nn; i++)
			if (n[i].new == old)
				n[i].new = patch.p->main_thunk;
		if (old)
			n[nn++] = (struct xlate){ old, patch.p->main_thunk };
	}
	upstare__free_zeroed(pend_xl, pend_nxl * sizeof(*pend_xl));
	upstare__ptrmap_free(&pend_xh);
	pend_xl = n;
	pend_nxl = nn;
	/* in order: of two entries for one address, the later wins */
	for (unsigned i = 0; i < nn; i++)
		if (upstare__ptrmap_put(&pend_xh, n[i].old, n[i].new))
			return -ENOMEM;
	return 0;
}

/* Commit the function map: every old address calls the new version. */
int upstare__commit_functions(void)
{
	upstare__obj_commit(patch.obj);
	__upstare_rec_register(patch.p->maps_begin, patch.p->maps_end);
	upstare__free_zeroed(xl, nxl * sizeof(*xl));
	upstare__ptrmap_free(&xh);
	xl = pend_xl;
	nxl = pend_nxl;
	xh = pend_xh;
	pend_xh = (struct upstare__ptrmap){ 0 };
	pend_xl = NULL;
	pend_nxl = 0;
	if (patch.p->main_thunk)
		cur_main_thunk = patch.p->main_thunk;
	cur_fns = patch.fns;
	__upstare_xlate_on = 1;
	return 0;
}

/* Does an old address call into [lo, hi) (a function the versions after it lack)? */
int upstare__xlate_into(uintptr_t lo, uintptr_t hi)
{
	for (unsigned i = 0; i < nxl; i++)
		if ((uintptr_t)xl[i].new - lo < hi - lo)
			return 1;
	return (uintptr_t)cur_main_thunk - lo < hi - lo;
}

/*
 * The addresses of a retired patch's functions are no one's any more
 * (retire.c found none in memory): forget them, so that the map does not
 * grow with every update and a patch mapped there later is not mistaken
 * for them.
 */
int upstare__xlate_forget(uintptr_t lo, uintptr_t hi)
{
	struct upstare__ptrmap m = { 0 };
	unsigned n = 0;

	for (unsigned i = 0; i < nxl; i++)
		if ((uintptr_t)xl[i].old - lo >= hi - lo)
			xl[n++] = xl[i];
	for (unsigned i = 0; i < n; i++)
		if (upstare__ptrmap_put(&m, xl[i].old, xl[i].new)) {
			upstare__ptrmap_free(&m);
			return -ENOMEM;
		}
	upstare__ptrmap_free(&xh);
	xh = m;
	explicit_bzero(xl + n, (nxl - n) * sizeof(*xl));
	nxl = n;
	return 0;
}

/* The runtime's own storage of the function map (retire.c's scan skips it). */
unsigned upstare__xlate_own(struct upstare__range *r, unsigned max)
{
	unsigned n = 0;

	if (xl && n < max)
		r[n++] = (struct upstare__range){ (uintptr_t)xl, (uintptr_t)(xl + nxl) };
	if (xh.t && n < max)
		r[n++] = (struct upstare__range){ (uintptr_t)xh.t,
						  (uintptr_t)(xh.t + ((size_t)1 << xh.bits)) };
	return n;
}

const struct upstare_xform *upstare__xf_find(unsigned kind, const char *a, const char *b)
{
	const struct upstare_xform *x = patch.p->xf_begin, *end = patch.p->xf_end;

	for (; x && x < end; x++)
		if (x->kind == kind && !strcmp(x->a, a) && (!b || !strcmp(x->b, b)))
			return x;
	return NULL;
}

/* The hex GNU build id and the .upstare_base string of an ELF64 file. */
static int read_patch_ids(int fd, char *id, size_t idsz, char *base, size_t basesz)
{
	Elf64_Ehdr eh;
	Elf64_Shdr *sh = NULL, *strsh;
	char *names = NULL;
	int err = -ENOEXEC;
	struct stat st;

	id[0] = base[0] = 0;
	if (fstat(fd, &st) || pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) ||
	    memcmp(eh.e_ident, ELFMAG, SELFMAG) ||
	    eh.e_ident[EI_CLASS] != ELFCLASS64 || eh.e_type != ET_DYN ||
	    eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum ||
	    eh.e_shoff > (uint64_t)st.st_size ||
	    eh.e_shnum * sizeof(*sh) > (uint64_t)st.st_size - eh.e_shoff)
		return err;
	sh = calloc(eh.e_shnum, sizeof(*sh));
	if (!sh || pread(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff) !=
		   (ssize_t)(eh.e_shnum * sizeof(*sh)))
		goto out;
	strsh = &sh[eh.e_shstrndx];
	/* every size and offset from the file is checked against the file */
	if (strsh->sh_offset > (uint64_t)st.st_size ||
	    strsh->sh_size > (uint64_t)st.st_size - strsh->sh_offset || strsh->sh_size > (1u << 20))
		goto out;
	names = calloc(1, strsh->sh_size + 1);
	if (!names || pread(fd, names, strsh->sh_size, strsh->sh_offset) !=
		      (ssize_t)strsh->sh_size)
		goto out;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		const char *nm = sh[i].sh_name < strsh->sh_size ? names + sh[i].sh_name : "";
		unsigned char buf[256] __attribute__((aligned(8)));
		size_t n = sh[i].sh_size < sizeof(buf) ? sh[i].sh_size : sizeof(buf) - 1;

		if (strcmp(nm, ".note.gnu.build-id") && strcmp(nm, ".upstare_base"))
			continue;
		if (sh[i].sh_offset > (uint64_t)st.st_size || n > (uint64_t)st.st_size - sh[i].sh_offset ||
		    pread(fd, buf, n, sh[i].sh_offset) != (ssize_t)n)
			goto out;
		if (!strcmp(nm, ".upstare_base"))
			snprintf(base, basesz, "%.*s", (int)n, (char *)buf);
		else if (upstare__build_id(buf, n, id, idsz))
			id[0] = 0;
	}
	err = 0;
out:
	free(sh);
	free(names);
	return err;
}

/* The request's socket pair while the patch is passed (receive_patch()). */
static int chan[2] = { -1, -1 };

/* Also in a child forked meanwhile: the pair is its parent's. */
static void close_chan(void)
{
	struct upstare_control *const cb = &upstare_control;

	__atomic_store_n(&cb->patch_sock_ino, 0, __ATOMIC_SEQ_CST);
	cb->patch_sock = -1;
	for (int i = 0; i < 2; i++)
		if (chan[i] >= 0) {
			close(chan[i]);
			chan[i] = -1;
		}
}

static void chan_atfork(void)
{
	pthread_atfork(NULL, NULL, close_chan);
}

/*
 * The descriptor of the patch, from the controller (upstare-ctl.h, step
 * 4): a socket pair made for this request, whose end patch_sock the
 * controller takes with pidfd_getfd() to send the file it opened and
 * checked, with the request's number.  Nothing is opened by its path, so
 * this works in a chroot, in another mount namespace and without /proc;
 * the pair is closed before this returns.  The descriptor, or -1 with the
 * reason when none came before the request's deadline.
 */
static int receive_patch(const char *path)
{
	struct upstare_control *const cb = &upstare_control;
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	uint64_t deadline = cb->t_ns[UPSTARE_T_REQUEST] + cb->timeout_ms * 1000000ull;
	struct stat st;
	int fd = -1;

	pthread_once(&once, chan_atfork);
	close_chan();	/* one a raw clone() child (no atfork handler) inherited */
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, chan) || fstat(chan[1], &st)) {
		upstare__reason("patch %s: no socket pair to receive it on: %s", path,
				strerror(errno));
		close_chan();
		return -1;
	}
	cb->patch_sock = chan[1];
	__atomic_store_n(&cb->patch_sock_ino, (uint64_t)st.st_ino, __ATOMIC_SEQ_CST);
	while (fd < 0) {
		char ctl[CMSG_SPACE(sizeof(int))] __attribute__((aligned(sizeof(size_t))));
		uint32_t req = 0;
		struct iovec iov = { &req, sizeof(req) };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
				     .msg_controllen = sizeof(ctl) };
		struct pollfd pfd = { .fd = chan[0], .events = POLLIN };
		uint64_t now = upstare__mono_ns();
		struct cmsghdr *c;
		int got = -1;
		ssize_t n;

		if (now >= deadline) {
			upstare__reason("patch %s: the controller did not pass it before the "
					"deadline (%u ms after the request)", path, cb->timeout_ms);
			break;
		}
		if (poll(&pfd, 1, (deadline - now + 999999) / 1000000) <= 0)
			continue;	/* a signal, or the deadline */
		n = recvmsg(chan[0], &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		c = n >= 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		if (c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&got, CMSG_DATA(c), sizeof(got));
		if (got >= 0 && n == sizeof(req) && req == cb->request)
			fd = got;
		else if (got >= 0)
			close(got);
	}
	close_chan();
	return fd;
}

/* The path the request names, for the reasons. */
static void request_path(char path[UPSTARE_PATCH_MAX])
{
	memcpy(path, upstare_control.patch, UPSTARE_PATCH_MAX);
	path[UPSTARE_PATCH_MAX - 1] = 0;
}

/*
 * The requested patch, received, checked and loaded (prepare's first
 * step), or NULL with the reasons.
 */
struct upstare_patch *upstare__patch_load(void)
{
	struct upstare_control *const cb = &upstare_control;
	char path[UPSTARE_PATCH_MAX], base[128];
	struct stat st;
	int fd;

	memset(&patch, 0, sizeof(patch));
	request_path(path);
	fd = receive_patch(path);
	if (fd < 0)
		goto refuse;
	if (fstat(fd, &st)) {
		upstare__reason("patch %s: %s", path, strerror(errno));
		goto refuse;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		upstare__reason("patch %s: must be a regular file owned by root and writable by "
		       "no one else (owner %u, mode %04o)", path, st.st_uid,
		       st.st_mode & 07777);
		goto refuse;
	}
	if (read_patch_ids(fd, patch.build_id, sizeof(patch.build_id),
			   base, sizeof(base))) {
		upstare__reason("patch %s: not a shared object", path);
		goto refuse;
	}
	if (!base[0]) {
		upstare__reason("patch %s: not built with upstare-cc --patch", path);
		goto refuse;
	}
	if (strcmp(base, cb->build_id)) {
		upstare__reason("patch %s was built for build id %s, this process runs %s", path, base,
		       cb->build_id);
		goto refuse;
	}
	/* mapped from the descriptor checked: the file checked is the file loaded */
	patch.obj = upstare__obj_load(fd, path);
	if (!patch.obj)
		goto refuse;
	close(fd);
	fd = -1;
	patch.p = upstare__obj_sym(patch.obj, "__upstare_patch_info");
	if (!patch.p || patch.p->abi != __UPSTARE_ABI) {
		upstare__reason("patch %s: no patch information of this runtime's ABI", path);
		goto refuse;
	}
	patch.fns.begin = patch.p->fd_begin;
	patch.fns.end = patch.p->fd_end;
	return &patch;
refuse:
	upstare__obj_unload(patch.obj);
	patch.obj = NULL;
	if (fd >= 0)
		close(fd);
	return NULL;
}

/* The function map the loaded patch will commit (prepare's last step). */
int upstare__patch_plan(void)
{
	char path[UPSTARE_PATCH_MAX];

	request_path(path);
	if (plan_functions()) {
		upstare__reason("patch %s: out of memory for its function map", path);
		return -EINVAL;
	}
	return 0;
}

void upstare__patch_unload(void)
{
	upstare__free_zeroed(pend_xl, pend_nxl * sizeof(*pend_xl));
	upstare__ptrmap_free(&pend_xh);
	pend_xl = NULL;
	pend_nxl = 0;
	upstare__obj_unload(patch.obj);
	patch.obj = NULL;
}

/* The update is over: an applied patch is the loader's (load.c) now. */
void upstare__patch_release(void)
{
	patch.obj = NULL;
}
