// SPDX-License-Identifier: GPL-2.0
/*
 * Readiness classification, in the manner of the kernel's livepatch
 * consistency model: every thread gets a class and a reason a person can
 * act on.
 *
 *   foreign                no frame of instrumented code on its stack
 *   unsafe-frame           a non-reconstructible function is active
 *   parked                 waiting in the runtime's park at an update point
 *   lock-wait              waiting for a contended mutex; names the owner
 *   signal-masked          blocked with the update signal masked
 *   blocked-interruptible  in an interruptible system call inside one of
 *                          libupstare's wrapped calls: will be kicked
 *   blocked-unwrapped      in a system call its instrumented caller did not
 *                          make through a wrapper (in a library): never
 *                          signalled, since that code would see an EINTR it
 *                          does not expect
 *   running                on a CPU or runnable: reaches an update point
 *   running-uninstrumented on a CPU or runnable in code upstare-cc did not
 *                          instrument (not libc, not libupstare): reaches
 *                          no update point until that code returns
 *   uninterruptible, stopped
 *
 * A thread is ready when it is parked, blocked interruptibly, running, or
 * waiting for a lock whose owner is ready.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <sys/uio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../userlib/include/upstare-ctl.h"
#include "readiness.h"
#include "target.h"
#include "upmeta.h"
#include "syscalls.h"

#define TASK_INTERRUPTIBLE	0x1
#define TASK_UNINTERRUPTIBLE	0x2
#define TASK_STOPPED		0x4
#define TASK_TRACED		0x8
#define NR_FUTEX		202

const char *syscall_name(long nr)
{
	if (nr < 0 || nr >= (long)(sizeof(syscall_names) / sizeof(syscall_names[0])))
		return NULL;
	return syscall_names[nr];
}

struct frame {
	__u64 addr;
	const char *function;	/* owned by dwfl */
	const char *module;	/* its object's file name, owned by dwfl */
	const char *file;
	int line;
	const struct upmeta_fn *mfn;
	const char *cp;
	bool inlined;		/* inlined into the next frame out */
	bool call_site;		/* stopped at a call (not the innermost pc) */
};

struct modmeta {
	Dwfl_Module *mod;
	struct upmeta *meta;
};

struct thread {
	const struct us_thread_rec *r;
	struct frame frames[US_MAX_FRAMES];
	int nframes;
	const char *cls;
	char reason[384];
	bool ready;
	int app_frame;		/* innermost instrumented frame, or -1 */
	int wrapped;		/* its upstare_threads[] slot says it is inside a
				 * wrapped blocking call: 1, 0, or -1 (no table) */
	__u32 owner_tid;	/* lock-wait: the owner's tid (initial namespace) */
};

#define SYMCTX_CACHE	8

static char *debuginfo_path;

/* Symbolized frames of one pc, kept for the next snapshots. */
#define PC_CACHE_BITS	10
#define PC_FRAMES	6

struct pc_entry {
	Dwarf_Addr pc;		/* 0: empty */
	int n;
	struct frame f[PC_FRAMES];
};

struct symctx {
	pid_t pid;
	char *maps;		/* /proc/PID/maps when this was made */
	Dwfl *dwfl;
	struct modmeta mods[64];
	int nmods;
	struct pc_entry *pcs;	/* 1 << PC_CACHE_BITS entries */
	bool ctl_searched;	/* looked for the runtime's symbols (target_locate()) */
	bool has_ctl;		/* found them: ctl holds where they are */
	struct target_syms ctl;
};

/* The file name of module mod, or NULL. */
static const char *module_name(Dwfl_Module *mod)
{
	const char *path = mod ? dwfl_module_info(mod, NULL, NULL, NULL, NULL, NULL, NULL,
						 NULL) : NULL;

	return path && strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
}

/*
 * The .upstare metadata of a module's ELF file, or NULL: none (not
 * instrumented), or in a format this upstared does not read (said once
 * for each view of the process).
 */
static struct upmeta *module_read_meta(Elf *elf, const char *name)
{
	struct upmeta *m = calloc(1, sizeof(*m));
	char *msg = NULL;

	if (m && upmeta_add_elf(m, elf, name ?: "?", &msg) > 0)
		return m;
	if (msg)
		fprintf(stderr, "upstared: %s\n", msg);
	free(msg);
	free(m);
	return NULL;
}

static void module_free_meta(struct upmeta *m)
{
	if (m)
		upmeta_free(m);
	free(m);
}

static const struct upmeta *module_meta(struct symctx *s, Dwfl_Module *mod)
{
	GElf_Addr bias;
	Elf *elf;
	int i;

	for (i = 0; i < s->nmods; i++)
		if (s->mods[i].mod == mod)
			return s->mods[i].meta;
	if (s->nmods == 64)
		return NULL;
	elf = dwfl_module_getelf(mod, &bias);
	s->mods[s->nmods].mod = mod;
	s->mods[s->nmods].meta = elf ? module_read_meta(elf, module_name(mod)) : NULL;
	return s->mods[s->nmods++].meta;
}

static bool fp_module(struct symctx *s, __u64 addr)
{
	Dwfl_Module *mod = s->dwfl ? dwfl_addrmodule(s->dwfl, addr) : NULL;

	return mod && module_meta(s, mod);
}

static bool read_target(pid_t pid, __u64 addr, void *buf, size_t len)
{
	struct iovec local = { buf, len }, remote = { (void *)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0) == (ssize_t)len;
}

/* The C library and the dynamic linker: where every program's calls end. */
static bool system_module(const char *m)
{
	return !m || !strncmp(m, "libc.so", 7) || !strncmp(m, "libc-", 5) ||
	       !strncmp(m, "ld-linux", 8) || !strncmp(m, "libpthread", 10) ||
	       !strncmp(m, "[vdso]", 6);
}

/* Right after a call instruction (direct, or indirect through a register or memory)? */
static bool after_call(struct symctx *s, __u64 addr)
{
	unsigned char c[7];

	if (addr < 7 || !read_target(s->pid, addr - 7, c, 7))
		return false;
	return c[2] == 0xe8 ||					/* call rel32 */
	       (c[5] == 0xff && ((c[6] >> 3) & 7) == 2) ||	/* call *%reg */
	       (c[4] == 0xff && ((c[5] >> 3) & 7) == 2) ||	/* call *d8(%reg) */
	       (c[1] == 0xff && ((c[2] >> 3) & 7) == 2) ||	/* call *d32(%rip) */
	       (c[3] == 0xff && ((c[4] >> 3) & 7) == 2);	/* call *(%reg,%idx) */
}

/* A return address into code built with frame pointers (instrumented code). */
static bool is_return_addr(struct symctx *s, __u64 addr)
{
	return addr >= 7 && fp_module(s, addr - 1) && after_call(s, addr);
}

/*
 * A return address into a library other than the C library that was built
 * without frame pointers (a distribution's libevent): its frames are not
 * on the frame-pointer chain, only on the stack.
 */
static bool is_library_return(struct symctx *s, __u64 addr)
{
	Dwfl_Module *mod = addr >= 7 && s->dwfl ? dwfl_addrmodule(s->dwfl, addr - 1) : NULL;

	return mod && !module_meta(s, mod) && !system_module(module_name(mod)) &&
	       after_call(s, addr);
}

/* Frame-pointer walk in user space, from the frame record at bp. */
static int walk_from(struct symctx *s, __u64 bp, __u64 *out, int n)
{
	__u64 fr[2];

	while (n < US_MAX_FRAMES && bp && !(bp & 7) && read_target(s->pid, bp, fr, sizeof(fr))) {
		if (!fr[1])
			break;
		out[n++] = fr[1];
		if (fr[0] <= bp)
			break;
		bp = fr[0];
	}
	return n;
}

/*
 * The return addresses of a thread, innermost first.  The BPF walk follows
 * the frame pointers from the saved rbp; that is the whole story when the
 * thread stopped in instrumented code.  When it stopped in a library built
 * without frame pointers (libc's read, futex waits), the frame of the
 * function that called the library is not on that chain (the library did
 * not push one), and a library that used rbp as a general register broke
 * the chain altogether.  The words copied from the stack pointer give the
 * first return address into frame-pointer code, and the frame record above
 * it leads to the rest.
 */
static int unwind(struct symctx *s, const struct us_thread_rec *r, __u64 *out)
{
	__u64 slot = 0;
	int n = 0, i, j;

	out[n++] = r->ip;
	if (fp_module(s, r->ip) || !r->nstack)
		goto bpf_chain;
	for (i = 0; i < (int)r->nstack && n < US_MAX_FRAMES / 2; i++) {
		if (is_return_addr(s, r->stack[i])) {
			out[n++] = r->stack[i];
			slot = r->sp + 8 * i;
			break;
		}
		/* a library's frames below its instrumented caller (on the stack only) */
		if (is_library_return(s, r->stack[i]))
			out[n++] = r->stack[i];
	}
	if (!slot)
		goto bpf_chain;
	/* rbp still points at the caller's frame record: the BPF chain goes on from it. */
	if (r->bp > slot && r->bp - slot < 65536 && r->nframes > 1 &&
	    is_return_addr(s, r->frames[1]))
		goto bpf_chain_rest;
	for (j = i + 1; j + 1 < (int)r->nstack; j++) {
		__u64 p = r->sp + 8 * j;

		if (r->stack[j] > p && r->stack[j] - p < 65536 && is_return_addr(s, r->stack[j + 1])) {
			out[n++] = r->stack[j + 1];
			return walk_from(s, r->stack[j], out, n);
		}
	}
	return n;
bpf_chain:
	n = 1;
bpf_chain_rest:
	for (i = 1; i < (int)r->nframes && n < US_MAX_FRAMES; i++)
		out[n++] = r->frames[i];
	return n;
}

/* The CU of pc; with a fallback for binaries without .debug_aranges. */
static Dwarf_Die *cu_of(Dwfl_Module *mod, Dwarf_Addr pc, Dwarf_Addr *bias)
{
	Dwarf_Die *cu = dwfl_module_addrdie(mod, pc, bias);

	if (cu)
		return cu;
	/*
	 * elfutils looks the CU up in .debug_aranges, which clang does not
	 * emit by default: look through the CUs' address ranges instead.
	 */
	while ((cu = dwfl_module_nextcu(mod, cu, bias)))
		if (dwarf_haspc(cu, pc - *bias) > 0)
			return cu;
	return NULL;
}

/*
 * Append the frames of pc: the functions inlined at pc, innermost first,
 * then the function that contains them, each with its source line (an
 * inlined call's line is where it was called from).
 */
static void add_frames(struct thread *t, Dwfl_Module *mod, Dwarf_Addr pc, __u64 addr)
{
	Dwarf_Die *cu, *scopes = NULL;
	Dwarf_Addr bias;
	Dwarf_Line *dl;
	int nscopes, i, line = 0;
	const char *file = NULL;
	struct frame *f;

	cu = cu_of(mod, pc, &bias);
	if (cu && (dl = dwarf_getsrc_die(cu, pc - bias))) {
		dwarf_lineno(dl, &line);
		file = dwarf_linesrc(dl, NULL, NULL);
	}
	nscopes = cu ? dwarf_getscopes(cu, pc - bias, &scopes) : 0;
	for (i = 0; i < nscopes && t->nframes < US_MAX_FRAMES - 1; i++) {
		Dwarf_Die *sc = &scopes[i];
		Dwarf_Attribute at;
		Dwarf_Word w;

		if (dwarf_tag(sc) != DW_TAG_inlined_subroutine)
			continue;
		f = &t->frames[t->nframes++];
		memset(f, 0, sizeof(*f));
		f->addr = addr;
		f->function = dwarf_diename(sc);
		f->file = file;
		f->line = line;
		f->inlined = true;
		/* The next scope out is at the call of this one. */
		if (dwarf_formudata(dwarf_attr(sc, DW_AT_call_line, &at), &w) == 0)
			line = w;
	}
	free(scopes);
	f = &t->frames[t->nframes++];
	memset(f, 0, sizeof(*f));
	f->addr = addr;
	f->function = dwfl_module_addrname(mod, pc);
	f->file = file;
	f->line = line;
}

/*
 * add_frames() with a cache: the same return addresses come back in every
 * snapshot, and libdwfl's symbol and scope lookups are most of its cost.
 */
static void cached_frames(struct symctx *s, struct thread *t, Dwfl_Module *mod,
			  Dwarf_Addr pc, __u64 addr)
{
	int first = t->nframes, k;
	struct pc_entry *e;

	if (!s->pcs)
		s->pcs = calloc(1 << PC_CACHE_BITS, sizeof(*s->pcs));
	e = s->pcs ? &s->pcs[(pc * 0x9e3779b97f4a7c15ULL) >> (64 - PC_CACHE_BITS)] : NULL;
	if (e && e->pc == pc && e->n <= US_MAX_FRAMES - t->nframes) {
		memcpy(&t->frames[first], e->f, e->n * sizeof(struct frame));
		t->nframes += e->n;
	} else {
		add_frames(t, mod, pc, addr);
		if (e && t->nframes - first <= PC_FRAMES) {
			e->pc = pc;
			e->n = t->nframes - first;
			memcpy(e->f, &t->frames[first], e->n * sizeof(struct frame));
		}
	}
	for (k = first; k < t->nframes; k++)
		t->frames[k].addr = addr;
}

static void symbolize(struct symctx *s, struct thread *t)
{
	__u64 addrs[US_MAX_FRAMES];
	int i, n = unwind(s, t->r, addrs);

	t->nframes = 0;
	t->app_frame = -1;
	for (i = 0; i < n && t->nframes < US_MAX_FRAMES; i++) {
		/* Return addresses point after the call: look up the call. */
		Dwarf_Addr pc = i ? addrs[i] - 1 : addrs[i];
		Dwfl_Module *mod = s->dwfl ? dwfl_addrmodule(s->dwfl, pc) : NULL;
		const struct upmeta *m;
		int first = t->nframes, k;

		if (!mod) {
			if (i)	/* a broken chain: what follows is not a stack */
				break;
			memset(&t->frames[t->nframes], 0, sizeof(struct frame));
			t->frames[t->nframes++].addr = addrs[i];
			continue;
		}
		cached_frames(s, t, mod, pc, addrs[i]);
		m = module_meta(s, mod);
		for (k = first; k < t->nframes; k++) {
			t->frames[k].module = module_name(mod);
			t->frames[k].mfn = upmeta_function(m, t->frames[k].function);
			t->frames[k].call_site = i > 0 || k > first;
			if (t->frames[k].mfn && t->app_frame < 0)
				t->app_frame = k;
		}
	}
	/* Continuation points: a caller's frame is at the call to the frame inside it. */
	for (i = 0; i < t->nframes; i++) {
		struct frame *f = &t->frames[i];
		const struct upmeta_cp *cp;

		if (!f->mfn || !f->line)
			continue;
		cp = upmeta_cp_at(f->mfn, f->line, i ? t->frames[i - 1].function : NULL,
				f->call_site);
		if (cp)
			f->cp = cp->key;
	}
}

static char sched_letter(__u32 state)
{
	if (state == 0)
		return 'R';
	if (state & TASK_UNINTERRUPTIBLE)
		return 'D';
	if (state & TASK_INTERRUPTIBLE)
		return 'S';
	if (state & TASK_STOPPED)
		return 'T';
	if (state & TASK_TRACED)
		return 't';
	return '?';
}

/*
 * The outermost frame of an uninstrumented library (not the C library)
 * between the system call and the innermost instrumented frame: the code
 * a thread blocks in when a program's event loop (libevent's epoll_wait)
 * lives in a shared library.  NULL when there is none.
 */
static const struct frame *library_frame(const struct thread *t)
{
	const struct frame *lib = NULL;

	for (int i = 0; i < t->app_frame; i++)
		if (!t->frames[i].mfn && !system_module(t->frames[i].module))
			lib = &t->frames[i];
	return lib;
}

/*
 * The innermost frame of code upstare-cc did not instrument that a running
 * thread is in, above its innermost instrumented frame: neither libupstare
 * (whose functions return at once) nor the C library (which returns to its
 * caller, or blocks where the kick reaches it).  Such a thread reaches no
 * update point until that code returns, which may be never.  NULL when
 * there is none.
 */
static const struct frame *uninstrumented_frame(const struct thread *t)
{
	for (int i = 0; i < t->app_frame; i++) {
		const struct frame *f = &t->frames[i];

		if (f->mfn || system_module(f->module))
			continue;
		if (f->function && (!strncmp(f->function, "__upstare_", 10) ||
				    !strncmp(f->function, "upstare__", 9)))
			continue;
		return f;
	}
	return NULL;
}

static const char *app_function(const struct thread *t)
{
	return t->app_frame >= 0 ? t->frames[t->app_frame].function : NULL;
}

static bool is_park_frame(const char *fn)
{
	/* libupstare's park (userlib/transition.c), where parked threads wait. */
	return fn && (!strcmp(fn, "upstare__park") || !strncmp(fn, "__upstare_park", 14));
}

/* The thread that tid names in the process's own PID namespace (glibc's mutex owners). */
static struct thread *find_ns_tid(struct thread *ts, int n, __u32 tid)
{
	int i;

	for (i = 0; i < n; i++)
		if (ts[i].r->nstid == tid)
			return &ts[i];
	return NULL;
}

static bool kick_masked(const struct us_thread_rec *r, int sig)
{
	return sig > 0 && sig <= 64 && (r->sigblocked & (1ULL << (sig - 1)));
}

static void classify_one(struct thread *t, int kick_sig)
{
	const struct us_thread_rec *r = t->r;
	const char *sc = r->flags & US_T_IN_SYSCALL ? syscall_name(r->syscall) : NULL;
	const char *app = app_function(t);
	char letter = sched_letter(r->state);
	const struct frame *f;
	int i;

	for (i = 0; i < t->nframes; i++) {
		if (is_park_frame(t->frames[i].function)) {
			const char *cp = t->app_frame >= 0 ? t->frames[t->app_frame].cp : NULL;

			t->cls = "parked";
			t->ready = true;
			if (app)
				snprintf(t->reason, sizeof(t->reason), "parked in %s at %s",
					 app, cp ?: "an update point");
			else	/* it unwound before parking: its frames are records now */
				snprintf(t->reason, sizeof(t->reason),
					 "parked, its stack unwound into the runtime's frame records");
			return;
		}
	}
	if (t->app_frame < 0) {
		t->cls = "foreign";
		snprintf(t->reason, sizeof(t->reason),
			 "no instrumented function on its stack (%s)",
			 t->nframes && t->frames[0].function ? t->frames[0].function : "unknown code");
		return;
	}
	for (i = 0; i < t->nframes; i++) {
		const struct upmeta_fn *mfn = t->frames[i].mfn;

		if (mfn && !mfn->reconstructible) {
			t->cls = "unsafe-frame";
			snprintf(t->reason, sizeof(t->reason), "inside %s: %s",
				 mfn->name, mfn->reason ?: "not reconstructible");
			return;
		}
	}
	if (letter == 'R' && (f = uninstrumented_frame(t))) {
		t->cls = "running-uninstrumented";
		snprintf(t->reason, sizeof(t->reason),
			 "running in %s, which is not instrumented (called from %s): no update "
			 "point until it returns", f->function ?: "unknown code", app);
		return;
	}
	if (letter == 'R') {
		t->cls = "running";
		t->ready = true;
		snprintf(t->reason, sizeof(t->reason),
			 "running in %s; parks at its next update point", app);
		return;
	}
	if (letter == 'T' || letter == 't') {
		t->cls = "stopped";
		snprintf(t->reason, sizeof(t->reason), "stopped in %s", app);
		return;
	}
	if (letter == 'D') {
		t->cls = "uninterruptible";
		snprintf(t->reason, sizeof(t->reason),
			 "in uninterruptible sleep in %s() from %s", sc ?: "kernel", app);
		return;
	}
	if (r->syscall == NR_FUTEX && (r->flags & US_T_OWNER) && r->lock_owner) {
		t->cls = "lock-wait";	/* readiness follows the owner's: see classify() */
		return;
	}
	if (kick_masked(r, kick_sig)) {
		t->cls = "signal-masked";
		snprintf(t->reason, sizeof(t->reason),
			 "blocked in %s() from %s with the update signal %d masked",
			 sc ?: "kernel", app, kick_sig);
		return;
	}
	/*
	 * Only a thread inside one of libupstare's wrapped blocking calls is
	 * signalled (the runtime marks it in upstare_threads[]).  Futex waits
	 * are the wrappers that poll instead (locks, condition variables,
	 * joins), or a library's, which no signal would help either.
	 */
	if (!t->wrapped && r->syscall != NR_FUTEX) {
		const struct frame *lib = library_frame(t);

		t->cls = "blocked-unwrapped";
		if (lib) {
			snprintf(t->reason, sizeof(t->reason),
				 "blocked in %s() inside %s (%s), called from %s: not signalled, "
				 "library code may not expect EINTR; build that library from "
				 "its sources with upstare-cc and link it into the program "
				 "(Documentation/real-programs.rst)", sc ?: "kernel", lib->module,
				 lib->function ?: "?", app);
			return;
		}
		snprintf(t->reason, sizeof(t->reason),
			 "blocked in %s() from %s outside libupstare's wrapped calls (in "
			 "library code): not signalled, it would see an EINTR it does not "
			 "expect", sc ?: "kernel", app);
		return;
	}
	t->cls = "blocked-interruptible";
	t->ready = true;
	snprintf(t->reason, sizeof(t->reason), "blocked in %s() from %s; will be kicked",
		 sc ?: "kernel", app);
}

static void classify(struct thread *ts, int n, int kick_sig, bool addrs)
{
	int i;

	for (i = 0; i < n; i++)
		classify_one(&ts[i], kick_sig);
	for (i = 0; i < n; i++) {
		struct thread *t = &ts[i], *owner;

		if (strcmp(t->cls, "lock-wait"))
			continue;
		owner = find_ns_tid(ts, n, t->r->lock_owner);
		if (!owner) {
			/* Not a thread of this process: not a glibc mutex after all. */
			t->cls = kick_masked(t->r, kick_sig) ? "signal-masked" : "blocked-interruptible";
			t->ready = strcmp(t->cls, "signal-masked");
			snprintf(t->reason, sizeof(t->reason), "blocked in futex() from %s%s",
				 app_function(t), t->ready ? "; will be kicked" : " with the update signal masked");
			continue;
		}
		t->owner_tid = owner->r->tid;
		t->ready = owner->ready && strcmp(owner->cls, "lock-wait");
		if (addrs)
			snprintf(t->reason, sizeof(t->reason),
				 "waiting in %s for mutex %#llx held by tid %u (%s, %s)",
				 app_function(t), (unsigned long long)t->r->futex_addr,
				 owner->r->tid, owner->cls, owner->ready ? "ready" : "not ready");
		else
			snprintf(t->reason, sizeof(t->reason),
				 "waiting in %s for a mutex held by tid %u (%s, %s)",
				 app_function(t), owner->r->tid, owner->cls,
				 owner->ready ? "ready" : "not ready");
	}
}

static void emit_thread(struct jbuf *b, const struct thread *t, bool addrs)
{
	const struct us_thread_rec *r = t->r;
	const char *sc = r->flags & US_T_IN_SYSCALL ? syscall_name(r->syscall) : NULL;
	char sched[2] = { sched_letter(r->state), 0 };
	int i;

	jb_elem(b);
	jb_open(b, '{');
	jb_kint(b, "tid", r->tid);
	jb_kstr(b, "comm", r->comm);
	jb_kstr(b, "state", t->cls);
	jb_kbool(b, "ready", t->ready);
	jb_kstr(b, "reason", t->reason);
	jb_kstr(b, "sched", sched);
	if (sc)
		jb_kstr(b, "syscall", sc);
	else
		jb_knull(b, "syscall");
	if (strcmp(t->cls, "lock-wait")) {
		jb_knull(b, "wchan_lock_owner");
	} else {
		jb_kint(b, "wchan_lock_owner", t->owner_tid);
		jb_key(b, "mutex");
		if (addrs)
			jb_printf(b, "\"%#llx\"", (unsigned long long)r->futex_addr);
		else
			jb_raw(b, "null");
		b->comma = true;
	}
	jb_kint(b, "runtime_ns", r->runtime_ns);
	if (r->flags & US_T_BLOCKED)
		jb_kint(b, "blocked_ns", r->blocked_ns);
	else
		jb_knull(b, "blocked_ns");
	if (r->flags & US_T_WINDOW) {
		jb_kint(b, "kicked_gen", r->kicked_gen);
		jb_kint(b, "off_cpu_since_ns", r->off_cpu_ns);
	}
	jb_key(b, "stack");
	jb_open(b, '[');
	for (i = 0; i < t->nframes; i++) {
		const struct frame *f = &t->frames[i];

		jb_elem(b);
		jb_open(b, '{');
		jb_key(b, "addr");
		if (addrs)
			jb_printf(b, "\"%#llx\"", (unsigned long long)f->addr);
		else
			jb_raw(b, "null");
		b->comma = true;
		jb_kstr(b, "function", f->function);
		/* the source name (main, not its symbol): what constraints name */
		jb_kstr(b, "name", f->mfn ? f->mfn->name : NULL);
		jb_kstr(b, "file", f->file);
		if (f->line)
			jb_kint(b, "line", f->line);
		else
			jb_knull(b, "line");
		jb_kstr(b, "cp", f->cp);
		if (f->inlined)
			jb_kbool(b, "inlined", true);
		jb_close(b, '}');
	}
	jb_close(b, ']');
	jb_close(b, '}');
}

static char *read_maps(pid_t pid)
{
	char path[64], *buf = NULL;
	size_t len = 0;
	FILE *f, *m;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	for (int c; (c = fgetc(f)) != EOF;)
		fputc(c, m);
	fclose(f);
	fclose(m);
	return buf;
}

static void symctx_free(struct symctx *s)
{
	int i;

	for (i = 0; i < s->nmods; i++)
		module_free_meta(s->mods[i].meta);
	if (s->dwfl)
		dwfl_end(s->dwfl);
	free(s->maps);
	free(s->pcs);
	memset(s, 0, sizeof(*s));
}

/*
 * Symbolization state per process, kept while its mappings stay the same:
 * reporting the modules and reading their DWARF and .upstare sections is
 * most of a snapshot's cost.
 */
static struct symctx *symctx_get(pid_t pid)
{
	static const Dwfl_Callbacks cb = {
		.find_elf = dwfl_linux_proc_find_elf,
		.find_debuginfo = dwfl_standard_find_debuginfo,
		.debuginfo_path = &debuginfo_path,
	};
	static struct symctx cache[SYMCTX_CACHE];
	static unsigned int next;
	char *maps = read_maps(pid);
	struct symctx *s;
	int i;

	for (i = 0; i < SYMCTX_CACHE; i++) {
		s = &cache[i];
		if (s->pid == pid && s->maps && maps && !strcmp(s->maps, maps)) {
			free(maps);
			return s;
		}
	}
	for (i = 0; i < SYMCTX_CACHE && cache[i].pid != pid; i++)
		;
	s = &cache[i < SYMCTX_CACHE ? i : next++ % SYMCTX_CACHE];
	symctx_free(s);
	s->pid = pid;
	s->maps = maps;
	s->dwfl = dwfl_begin(&cb);
	if (s->dwfl) {
		dwfl_report_begin(s->dwfl);
		if (dwfl_linux_proc_report(s->dwfl, pid)) {
			dwfl_end(s->dwfl);
			s->dwfl = NULL;
		} else {
			dwfl_report_end(s->dwfl, NULL, NULL);
		}
	}
	return s;
}

/*
 * The first len bytes of the process's control block, found and checked
 * as the update driver does (target.c), its place looked up once per
 * mapping of the process: the descriptor it was read through, to read
 * more, or -ENOENT when the process has none, else -errno.
 */
static int open_control(struct symctx *s, struct upstare_control *cb, size_t len)
{
	char why[PATH_MAX + 128];
	int fd, err;

	if (!s->ctl_searched) {
		s->ctl_searched = true;
		s->has_ctl = !target_locate(s->pid, &s->ctl, why, sizeof(why));
	}
	if (!s->has_ctl)
		return -ENOENT;
	fd = target_open_mem(s->pid, O_RDONLY);
	if (fd < 0)
		return -errno;
	err = target_read_control(fd, s->ctl.control, cb, len);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

/* Mark each thread inside a wrapped blocking call (upstare_threads[]). */
static void read_slots(struct symctx *s, struct thread *ts, int n)
{
	static struct upstare_thread_slot slots[UPSTARE_MAX_THREADS];
	struct upstare_control cb;
	size_t len;
	int i, fd, err = 0;

	for (i = 0; i < n; i++)
		ts[i].wrapped = -1;
	fd = open_control(s, &cb, offsetof(struct upstare_control, t_ns));
	if (fd < 0)
		return;
	len = (cb.nslots < UPSTARE_MAX_THREADS ? cb.nslots : UPSTARE_MAX_THREADS) *
	      sizeof(slots[0]);
	if (len)
		err = target_rw(fd, s->ctl.threads, slots, len, 0);
	close(fd);
	if (err)
		return;
	for (i = 0; i < n; i++) {
		ts[i].wrapped = 0;
		for (size_t k = 0; k < len / sizeof(slots[0]); k++)
			if (slots[k].tid == (int)ts[i].r->nstid) {
				ts[i].wrapped = !!slots[k].blocking;
				break;
			}
	}
}

int readiness_update_state(__u32 pid, struct update_state *st)
{
	struct symctx *s = symctx_get(pid);
	struct upstare_control cb;
	int fd = open_control(s, &cb, offsetof(struct upstare_control, build_id));

	if (fd < 0)
		return fd;
	close(fd);
	st->phase = cb.phase;
	st->generation = cb.generation;
	st->nthreads = cb.nthreads;
	st->nparked = cb.nparked;
	st->nresumed = cb.nresumed;
	st->update_signal = cb.update_signal;
	st->result = cb.result;
	return 0;
}

const char *update_phase_name(unsigned int phase)
{
	static const char *const names[] = {
		[UPSTARE_PH_IDLE] = "idle", [UPSTARE_PH_PREPARE] = "prepare",
		[UPSTARE_PH_QUIESCE] = "quiesce", [UPSTARE_PH_TRANSFORM] = "transform",
		[UPSTARE_PH_REBUILD] = "rebuild", [UPSTARE_PH_ROLLBACK] = "rollback",
		[UPSTARE_PH_READY] = "ready", [UPSTARE_PH_CHECK] = "check",
		[UPSTARE_PH_PREPARED] = "prepared",
	};

	return phase < sizeof(names) / sizeof(names[0]) && names[phase] ? names[phase] : "?";
}

int readiness_threads_json(struct jbuf *b, __u32 pid, const struct us_thread_rec *recs,
			   int n, int kick_sig, bool addrs)
{
	struct thread *ts = calloc(n ? n : 1, sizeof(*ts));
	struct symctx *s = symctx_get(pid);
	int i;

	if (!ts)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ts[i].r = &recs[i];
		symbolize(s, &ts[i]);
	}
	read_slots(s, ts, n);
	classify(ts, n, kick_sig, addrs);
	jb_open(b, '[');
	for (i = 0; i < n; i++)
		emit_thread(b, &ts[i], addrs);
	jb_close(b, ']');
	free(ts);
	return 0;
}

int readiness_not_ready(__u32 pid, const struct us_thread_rec *recs, int n, int kick_sig,
			bool addrs, FILE *why)
{
	struct thread *ts = calloc(n ? n : 1, sizeof(*ts));
	struct symctx *s = symctx_get(pid);
	int i, bad = 0;

	if (!ts)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		ts[i].r = &recs[i];
		symbolize(s, &ts[i]);
	}
	read_slots(s, ts, n);
	classify(ts, n, kick_sig, addrs);
	for (i = 0; i < n; i++) {
		if (ts[i].ready)
			continue;
		bad++;
		if (why)
			fprintf(why, "pid %u thread %u (%s): %s: %s\n", pid, ts[i].r->tid,
				ts[i].r->comm, ts[i].cls, ts[i].reason);
	}
	free(ts);
	return bad;
}
