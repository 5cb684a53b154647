// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Loading a patch from a file descriptor, without the dynamic linker.
 *
 * glibc can only dlopen() a path, and a path to a descriptor
 * (/proc/self/fd/N) needs /proc in the process's view of the file system.
 * A chrooted process (an FTP session in an empty directory, a process in a
 * mount namespace) has no such path, and the patch must not be copied into
 * its root.  So libupstare maps and links a patch itself, from the
 * descriptor the controller passes (patch.c): it opens nothing, and needs
 * neither /proc nor any file in the process's root.
 *
 * Patches are built by upstare-cc --patch, so the loader handles what that
 * link produces and refuses anything else by name: an ELF64 shared object
 * of this machine with DT_GNU_HASH; relocations RELATIVE, 64, GLOB_DAT,
 * JUMP_SLOT (bound now), and DTPMOD64/DTPOFF64 against thread-local
 * variables that the program already has (a patch gets no TLS block of its
 * own); no text relocations and no IFUNC definitions.  A symbol binds as it
 * would for a dlopen(RTLD_GLOBAL) object: to the program and its
 * libraries (dlsym/dlvsym of RTLD_DEFAULT: the global scope, with the
 * symbol's version), then to the patches applied before, in order, then
 * to the patch itself.  So an unchanged global resolves to where the
 * running program keeps it, and a global moved by an earlier patch to that
 * patch's storage.  Calls inside the patch were bound at link time
 * (-Bsymbolic-functions).  RELRO is applied, then DT_INIT and
 * DT_INIT_ARRAY run; a patch that is not applied runs its DT_FINI_ARRAY
 * and DT_FINI and is unmapped, as dlclose() would.
 *
 * Applied patches are not in the dynamic linker's list: dladdr(),
 * dl_iterate_phdr() and debuggers reading r_debug do not see them.  The
 * kernel's view (/proc/PID/maps) names the file, as for any mapping.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <elf.h>
#include <errno.h>
#include <link.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "runtime.h"

#if defined(__x86_64__)
#define PATCH_MACHINE	EM_X86_64
#else
#define PATCH_MACHINE	-1	/* relocations of x86-64 only */
#endif

#define MAX_RANGES	8

struct upstare__obj {
	const char *name;		/* for reasons: the patch's path */
	uintptr_t bias;			/* address of vaddr 0 */
	void *map;			/* the reservation: map, map + span */
	size_t span;
	struct upstare__range code[MAX_RANGES];	/* executable segments */
	struct upstare__range rw[MAX_RANGES];	/* writable segments */
	unsigned ncode, nrw;
	const ElfW(Dyn) *dyn;
	const ElfW(Sym) *syms;
	uint32_t nsyms;
	const char *strs;
	size_t strsz;
	const uint32_t *gnu_hash;
	const ElfW(Half) *versym;
	const char *vername[64];	/* versym index -> needed version */
	int symbolic;			/* DT_SYMBOLIC: itself first */
	void (**fini_array)(void);
	size_t nfini;
	void (*fini)(void);
	struct upstare__obj **deps;	/* applied patches it binds symbols to */
	unsigned ndeps;
	unsigned users;			/* applied patches that bind to it */
	struct upstare__obj *next;	/* applied patches, oldest first */
};

static struct upstare__obj *applied, **applied_tail = &applied;

/*
 * Free a descriptor, zeroed: a stale copy of its addresses in the heap
 * would keep whatever is mapped there later from being retired (retire.c).
 */
static void obj_free(struct upstare__obj *o)
{
	upstare__free_zeroed(o->deps, o->ndeps * sizeof(*o->deps));
	upstare__free_zeroed(o, sizeof(*o));
}

static uintptr_t page_down(uintptr_t x, uintptr_t pg)
{
	return x & ~(pg - 1);
}

static uintptr_t page_up(uintptr_t x, uintptr_t pg)
{
	return (x + pg - 1) & ~(pg - 1);
}

static int prot_of(uint32_t flags)
{
	return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
	       (flags & PF_X ? PROT_EXEC : 0);
}

/* Is [vaddr, vaddr + n) inside the mapped image? */
static int in_image(const struct upstare__obj *o, uintptr_t vaddr, size_t n)
{
	uintptr_t a = o->bias + vaddr;

	return a >= (uintptr_t)o->map && n <= o->span &&
	       a - (uintptr_t)o->map <= o->span - n;
}

/* The same for a table that may be absent (n == 0). */
static int in_image_opt(const struct upstare__obj *o, uintptr_t vaddr, size_t n)
{
	return !n || in_image(o, vaddr, n);
}

static int in_ranges(const struct upstare__range *r, unsigned n, uintptr_t a, size_t len)
{
	for (unsigned i = 0; i < n; i++)
		if (a >= r[i].lo && a + len <= r[i].hi)
			return 1;
	return 0;
}

/* ------------------------------------------------------------- mapping */

static int read_headers(int fd, const char *name, ElfW(Ehdr) *eh, ElfW(Phdr) **ph)
{
	size_t sz;

	if (pread(fd, eh, sizeof(*eh), 0) != sizeof(*eh) ||
	    memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64 ||
	    eh->e_ident[EI_DATA] != ELFDATA2LSB || eh->e_type != ET_DYN) {
		upstare__reason("patch %s: not an ELF64 shared object", name);
		return -ENOEXEC;
	}
	if (eh->e_machine != PATCH_MACHINE) {
		upstare__reason("patch %s: ELF machine %u: libupstare loads x86-64 patches only",
				name, eh->e_machine);
		return -ENOEXEC;
	}
	if (eh->e_phentsize != sizeof(ElfW(Phdr)) || !eh->e_phnum || eh->e_phnum > 64) {
		upstare__reason("patch %s: bad program headers", name);
		return -ENOEXEC;
	}
	sz = eh->e_phnum * sizeof(**ph);
	*ph = malloc(sz);
	if (!*ph || pread(fd, *ph, sz, eh->e_phoff) != (ssize_t)sz) {
		upstare__reason("patch %s: cannot read its program headers", name);
		free(*ph);
		*ph = NULL;
		return -ENOEXEC;
	}
	return 0;
}

/*
 * Where patches are mapped: one reservation (PROT_NONE, no memory behind
 * it), made at the first load in fresh address space and carved first-fit,
 * to which a patch unloaded or retired gives its place back.  A place the
 * kernel chose could be a hole the program left (ld.so unmaps its cache
 * file at start-up and keeps a pointer to where it was): a stale pointer
 * there would keep whatever patch is mapped there from being retired
 * (retire.c).  A patch that does not fit, or no reservation (RLIMIT_AS):
 * the kernel chooses.
 */
#define ARENA_MIN	(64ul << 20)
#define ARENA_SLOTS	256

static struct {
	uintptr_t lo, hi;
	struct upstare__range used[ARENA_SLOTS];	/* sorted */
	unsigned n;
} arena;

static void *arena_get(size_t span)
{
	uintptr_t at;
	unsigned k;

	if (!arena.lo) {
		size_t size = 8 * span > ARENA_MIN ? (8 * span + ARENA_MIN - 1) & ~(ARENA_MIN - 1) :
			      ARENA_MIN;
		void *m = mmap(NULL, size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			       -1, 0);

		if (m == MAP_FAILED)
			return NULL;
		arena.lo = (uintptr_t)m;
		arena.hi = arena.lo + size;
	}
	if (arena.n == ARENA_SLOTS)
		return NULL;
	for (k = 0, at = arena.lo; k <= arena.n; k++) {
		uintptr_t end = k < arena.n ? arena.used[k].lo : arena.hi;

		if (end >= at && end - at >= span)
			break;
		if (k < arena.n)
			at = arena.used[k].hi;
	}
	if (k > arena.n)
		return NULL;
	memmove(&arena.used[k + 1], &arena.used[k], (arena.n - k) * sizeof(arena.used[0]));
	arena.used[k] = (struct upstare__range){ at, at + span };
	arena.n++;
	return (void *)at;
}

/* The loader's own table of places (retire.c does not count it). */
struct upstare__range upstare__arena_own(void)
{
	return (struct upstare__range){ (uintptr_t)&arena, (uintptr_t)(&arena + 1) };
}

/* Unmap a patch's place: back to the reservation, or to the kernel. */
static void arena_put(void *map, size_t span)
{
	uintptr_t a = (uintptr_t)map;

	if (a < arena.lo || a >= arena.hi) {
		munmap(map, span);
		return;
	}
	/* what was mapped there goes; the place stays reserved */
	mmap(map, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	for (unsigned k = 0; k < arena.n; k++)
		if (arena.used[k].lo == a) {
			memmove(&arena.used[k], &arena.used[k + 1],
				(arena.n - k - 1) * sizeof(arena.used[0]));
			arena.n--;
			break;
		}
}

/* Reserve the image's span, then map each PT_LOAD over it; zero the bss. */
static int map_segments(struct upstare__obj *o, int fd, const ElfW(Phdr) *ph, unsigned n,
			uintptr_t pg)
{
	uintptr_t lo = UINTPTR_MAX, hi = 0;

	for (unsigned i = 0; i < n; i++) {
		if (ph[i].p_type == PT_GNU_STACK && (ph[i].p_flags & PF_X)) {
			upstare__reason("patch %s: asks for an executable stack", o->name);
			return -ENOEXEC;
		}
		if (ph[i].p_type != PT_LOAD)
			continue;
		if (ph[i].p_filesz > ph[i].p_memsz || (ph[i].p_vaddr - ph[i].p_offset) % pg ||
		    ph[i].p_vaddr + ph[i].p_memsz < ph[i].p_vaddr) {
			upstare__reason("patch %s: bad PT_LOAD segment", o->name);
			return -ENOEXEC;
		}
		if (page_down(ph[i].p_vaddr, pg) < lo)
			lo = page_down(ph[i].p_vaddr, pg);
		if (page_up(ph[i].p_vaddr + ph[i].p_memsz, pg) > hi)
			hi = page_up(ph[i].p_vaddr + ph[i].p_memsz, pg);
	}
	if (lo >= hi) {
		upstare__reason("patch %s: no loadable segment", o->name);
		return -ENOEXEC;
	}
	o->span = hi - lo;
	o->map = arena_get(o->span);
	if (!o->map)
		o->map = mmap(NULL, o->span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (o->map == MAP_FAILED) {
		o->map = NULL;
		upstare__reason("patch %s: cannot reserve %zu bytes: %s", o->name, o->span,
				strerror(errno));
		return -ENOMEM;
	}
	o->bias = (uintptr_t)o->map - lo;
	for (unsigned i = 0; i < n; i++) {
		const ElfW(Phdr) *p = &ph[i];
		uintptr_t start = o->bias + page_down(p->p_vaddr, pg);
		uintptr_t fend = o->bias + p->p_vaddr + p->p_filesz;
		uintptr_t mend = o->bias + p->p_vaddr + p->p_memsz;
		int prot = prot_of(p->p_flags);

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_filesz &&
		    mmap((void *)start, page_up(fend, pg) - start, prot, MAP_PRIVATE | MAP_FIXED,
			 fd, page_down(p->p_offset, pg)) == MAP_FAILED) {
			upstare__reason("patch %s: cannot map a segment: %s", o->name,
					strerror(errno));
			return -errno;
		}
		if (p->p_memsz > p->p_filesz) {
			uintptr_t zero = p->p_filesz ? page_up(fend, pg) : start;

			if (!(prot & PROT_WRITE)) {
				upstare__reason("patch %s: a read-only segment with bss", o->name);
				return -ENOEXEC;
			}
			if (p->p_filesz)
				memset((void *)fend, 0, (zero < mend ? zero : mend) - fend);
			if (mend > zero &&
			    mmap((void *)zero, page_up(mend, pg) - zero, prot,
				 MAP_PRIVATE | MAP_FIXED | MAP_ANONYMOUS, -1, 0) == MAP_FAILED) {
				upstare__reason("patch %s: cannot map its bss: %s", o->name,
						strerror(errno));
				return -errno;
			}
		}
		if ((prot & PROT_EXEC) && o->ncode < MAX_RANGES)
			o->code[o->ncode++] = (struct upstare__range){ o->bias + p->p_vaddr, mend };
		if (prot & PROT_WRITE) {
			if (o->nrw == MAX_RANGES) {
				upstare__reason("patch %s: too many writable segments", o->name);
				return -ENOEXEC;
			}
			o->rw[o->nrw++] = (struct upstare__range){ o->bias + p->p_vaddr, mend };
		}
	}
	return 0;
}

/* --------------------------------------------------------- the dynamic */

static uint32_t gnu_hash(const char *s)
{
	uint32_t h = 5381;

	for (; *s; s++)
		h = h * 33 + (unsigned char)*s;
	return h;
}

/* How many symbols a DT_GNU_HASH table covers (it has no count of its own). */
static int gnu_hash_nsyms(struct upstare__obj *o)
{
	const uint32_t *h = o->gnu_hash;
	uint32_t nbuckets, symoffset, bloom, last = 0;
	const uint32_t *buckets, *chain;

	if (!in_image(o, (uintptr_t)h - o->bias, 16))
		return -1;
	nbuckets = h[0];
	symoffset = h[1];
	bloom = h[2];
	buckets = h + 4 + bloom * (sizeof(ElfW(Addr)) / 4);
	chain = buckets + nbuckets;
	if (!nbuckets || !bloom || !in_image(o, (uintptr_t)buckets - o->bias, 4ull * nbuckets))
		return -1;
	for (uint32_t i = 0; i < nbuckets; i++)
		if (buckets[i] > last)
			last = buckets[i];
	if (last >= symoffset)
		for (;; last++) {
			if (!in_image(o, (uintptr_t)&chain[last - symoffset] - o->bias, 4))
				return -1;
			if (chain[last - symoffset] & 1)
				break;
		}
	o->nsyms = last < symoffset ? symoffset : last + 1;
	return 0;
}

static const char *sym_name(const struct upstare__obj *o, const ElfW(Sym) *s)
{
	return s->st_name < o->strsz ? o->strs + s->st_name : "";
}

/* The defined, exported symbol NAME of o, or NULL. */
static const ElfW(Sym) *obj_lookup(const struct upstare__obj *o, const char *name)
{
	const uint32_t *h = o->gnu_hash;
	uint32_t hash = gnu_hash(name), nbuckets = h[0], symoffset = h[1], bloom = h[2];
	uint32_t shift = h[3], idx;
	const ElfW(Addr) *words = (const ElfW(Addr) *)(h + 4);
	const uint32_t *buckets = (const uint32_t *)(words + bloom), *chain = buckets + nbuckets;
	const unsigned bits = sizeof(ElfW(Addr)) * 8;
	ElfW(Addr) word = words[(hash / bits) % bloom];

	if (!((word >> (hash % bits)) & (word >> ((hash >> shift) % bits)) & 1))
		return NULL;
	idx = buckets[hash % nbuckets];
	if (idx < symoffset)
		return NULL;
	for (; idx < o->nsyms; idx++) {
		const ElfW(Sym) *s = &o->syms[idx];
		uint32_t h2 = chain[idx - symoffset];

		if ((hash | 1) == (h2 | 1) && s->st_shndx != SHN_UNDEF &&
		    ELF64_ST_BIND(s->st_info) != STB_LOCAL && !strcmp(sym_name(o, s), name))
			return s;
		if (h2 & 1)
			break;
	}
	return NULL;
}

void *upstare__obj_sym(const struct upstare__obj *o, const char *name)
{
	const ElfW(Sym) *s = o ? obj_lookup(o, name) : NULL;

	return s && ELF64_ST_TYPE(s->st_info) != STT_TLS ? (void *)(o->bias + s->st_value) : NULL;
}

void *upstare__sym(const char *name)
{
	void *p = dlsym(RTLD_DEFAULT, name);

	for (const struct upstare__obj *o = applied; o && !p; o = o->next)
		p = upstare__obj_sym(o, name);
	return p;
}

int upstare__obj_has_pc(const struct upstare__obj *o, uintptr_t pc)
{
	return o && in_ranges(o->code, o->ncode, pc, 1);
}

/* The needed versions, by versym index (DT_VERNEED). */
static int read_verneed(struct upstare__obj *o, uintptr_t vn, size_t num)
{
	for (size_t i = 0; i < num; i++) {
		const ElfW(Verneed) *n = (const void *)(o->bias + vn);
		uintptr_t va;

		if (!in_image(o, vn, sizeof(*n)))
			return -1;
		va = vn + n->vn_aux;
		for (unsigned j = 0; j < n->vn_cnt; j++) {
			const ElfW(Vernaux) *a = (const void *)(o->bias + va);

			if (!in_image(o, va, sizeof(*a)) || a->vna_name >= o->strsz)
				return -1;
			if ((a->vna_other & 0x7fff) < sizeof(o->vername) / sizeof(o->vername[0]))
				o->vername[a->vna_other & 0x7fff] = o->strs + a->vna_name;
			va += a->vna_next;
		}
		vn += n->vn_next;
	}
	return 0;
}

struct dynamic {
	uintptr_t rela, relasz, jmprel, pltrelsz, init, init_array, init_arraysz;
	uintptr_t fini, fini_array, fini_arraysz, verneed, verneednum;
	uintptr_t versym, symtab, strtab, strsz, gnu_hash;
};

/* The dynamic section: what the loader handles, or a reason. */
static int read_dynamic(struct upstare__obj *o, struct dynamic *d)
{
	const char *what = NULL;

	memset(d, 0, sizeof(*d));
	for (const ElfW(Dyn) *e = o->dyn; e->d_tag != DT_NULL; e++) {
		if (!in_image(o, (uintptr_t)(e + 1) - o->bias, sizeof(*e)))
			goto bad;
		switch (e->d_tag) {
		case DT_RELA: d->rela = e->d_un.d_ptr; break;
		case DT_RELASZ: d->relasz = e->d_un.d_val; break;
		case DT_JMPREL: d->jmprel = e->d_un.d_ptr; break;
		case DT_PLTRELSZ: d->pltrelsz = e->d_un.d_val; break;
		case DT_PLTREL: if (e->d_un.d_val != DT_RELA) what = "DT_REL relocations"; break;
		case DT_RELAENT: if (e->d_un.d_val != sizeof(ElfW(Rela))) goto bad; break;
		case DT_SYMENT: if (e->d_un.d_val != sizeof(ElfW(Sym))) goto bad; break;
		case DT_INIT: d->init = e->d_un.d_ptr; break;
		case DT_INIT_ARRAY: d->init_array = e->d_un.d_ptr; break;
		case DT_INIT_ARRAYSZ: d->init_arraysz = e->d_un.d_val; break;
		case DT_FINI: d->fini = e->d_un.d_ptr; break;
		case DT_FINI_ARRAY: d->fini_array = e->d_un.d_ptr; break;
		case DT_FINI_ARRAYSZ: d->fini_arraysz = e->d_un.d_val; break;
		case DT_VERNEED: d->verneed = e->d_un.d_ptr; break;
		case DT_VERNEEDNUM: d->verneednum = e->d_un.d_val; break;
		case DT_VERSYM: d->versym = e->d_un.d_ptr; break;
		case DT_SYMTAB: d->symtab = e->d_un.d_ptr; break;
		case DT_STRTAB: d->strtab = e->d_un.d_ptr; break;
		case DT_STRSZ: d->strsz = e->d_un.d_val; break;
		case DT_GNU_HASH: d->gnu_hash = e->d_un.d_ptr; break;
		case DT_SYMBOLIC: o->symbolic = 1; break;
		case DT_FLAGS:
			if (e->d_un.d_val & DF_TEXTREL)
				what = "text relocations";
			if (e->d_un.d_val & DF_SYMBOLIC)
				o->symbolic = 1;
			break;
		case DT_TEXTREL: what = "text relocations"; break;
		case DT_REL: case DT_RELSZ: what = "DT_REL relocations"; break;
		case DT_RELR: case DT_RELRSZ: what = "packed relative relocations (DT_RELR)"; break;
		case DT_AUXILIARY: case DT_FILTER: what = "filters"; break;
		case DT_PREINIT_ARRAY: what = "a preinit array"; break;
		default: break;	/* NEEDED, SONAME, FLAGS_1, RELACOUNT, VERDEF...: nothing to do */
		}
	}
	if (what) {
		upstare__reason("patch %s: has %s, which libupstare's loader does not handle "
				"(not built with upstare-cc --patch?)", o->name, what);
		return -ENOEXEC;
	}
	if (!d->symtab || !d->strtab || !d->gnu_hash) {
		upstare__reason("patch %s: no dynamic symbol table with a DT_GNU_HASH index "
				"(not built with upstare-cc --patch?)", o->name);
		return -ENOEXEC;
	}
	if (!in_image(o, d->strtab, d->strsz) || !in_image_opt(o, d->rela, d->relasz) ||
	    !in_image_opt(o, d->jmprel, d->pltrelsz) ||
	    !in_image_opt(o, d->init_array, d->init_arraysz) ||
	    !in_image_opt(o, d->fini_array, d->fini_arraysz))
		goto bad;
	o->strs = (const char *)(o->bias + d->strtab);
	o->strsz = d->strsz;
	o->syms = (const ElfW(Sym) *)(o->bias + d->symtab);
	o->gnu_hash = (const uint32_t *)(o->bias + d->gnu_hash);
	if (gnu_hash_nsyms(o) || !in_image(o, d->symtab, o->nsyms * sizeof(ElfW(Sym))) ||
	    (d->versym && !in_image(o, d->versym, o->nsyms * sizeof(ElfW(Half)))) ||
	    read_verneed(o, d->verneed, d->verneednum))
		goto bad;
	o->versym = d->versym ? (const ElfW(Half) *)(o->bias + d->versym) : NULL;
	return 0;
bad:
	upstare__reason("patch %s: its dynamic section is malformed", o->name);
	return -ENOEXEC;
}

/* ---------------------------------------------------------- relocation */

/* Where the dynamic linker would find a symbol the patch needs. */
static void *global_sym(const struct upstare__obj *o, uint32_t si, const char *name)
{
	unsigned v = o->versym ? o->versym[si] & 0x7fff : 0;

	if (v >= 2 && v < sizeof(o->vername) / sizeof(o->vername[0]) && o->vername[v])
		return dlvsym(RTLD_DEFAULT, name, o->vername[v]);
	return dlsym(RTLD_DEFAULT, name);
}

/* The libraries the patch needs that the program has not loaded (for a reason). */
struct needed {
	const char *name;
	int found;
};

static int needed_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct needed *n = data;
	const char *slash = info->dlpi_name ? strrchr(info->dlpi_name, '/') : NULL;

	(void)size;
	if (slash && !strcmp(slash + 1, n->name))
		n->found = 1;
	return n->found;
}

static void reason_undefined(const struct upstare__obj *o, const char *name)
{
	char missing[256] = "";
	size_t len = 0;

	for (const ElfW(Dyn) *e = o->dyn; e->d_tag != DT_NULL; e++) {
		struct needed n = { o->strs + e->d_un.d_val, 0 };

		if (e->d_tag != DT_NEEDED || e->d_un.d_val >= o->strsz)
			continue;
		dl_iterate_phdr(needed_cb, &n);
		if (!n.found && len < sizeof(missing))
			len += snprintf(missing + len, sizeof(missing) - len, "%s%s",
					len ? ", " : "", n.name);
	}
	if (len)
		upstare__reason("patch %s: undefined symbol %s (the patch needs %s, which the "
				"program has not loaded: a patch can only use the libraries the "
				"program has loaded)", o->name, name, missing);
	else
		upstare__reason("patch %s: undefined symbol %s", o->name, name);
}

/* o binds a symbol to applied patch a: a stays loaded while o is. */
static int add_dep(struct upstare__obj *o, struct upstare__obj *a)
{
	struct upstare__obj **n;

	for (unsigned i = 0; i < o->ndeps; i++)
		if (o->deps[i] == a)
			return 0;
	n = realloc(o->deps, (o->ndeps + 1) * sizeof(*n));
	if (!n) {
		upstare__reason("patch %s: out of memory", o->name);
		return -ENOMEM;
	}
	o->deps = n;
	o->deps[o->ndeps++] = a;
	return 0;
}

/* The address symbol si of o binds to (0: undefined weak); 0, or -errno with the reason. */
static int resolve(struct upstare__obj *o, uint32_t si, uintptr_t *val)
{
	const ElfW(Sym) *s = &o->syms[si], *d;
	const char *name = sym_name(o, s);
	void *p = NULL;

	if (ELF64_ST_BIND(s->st_info) == STB_LOCAL && s->st_shndx != SHN_UNDEF) {
		*val = o->bias + s->st_value;
		return 0;
	}
	/* exit() and abort() in the patch's constructors and transformers roll
	 * the update back (guard.c) */
	if (s->st_shndx == SHN_UNDEF && (p = upstare__guard_stub(name))) {
		*val = (uintptr_t)p;
		return 0;
	}
	d = o->symbolic ? obj_lookup(o, name) : NULL;
	if (!d)
		p = global_sym(o, si, name);
	for (struct upstare__obj *a = applied; !d && !p && a; a = a->next)
		if ((p = upstare__obj_sym(a, name)) && add_dep(o, a))
			return -ENOMEM;
	if (!d && !p)
		d = obj_lookup(o, name);
	if (d && ELF64_ST_TYPE(d->st_info) == STT_GNU_IFUNC) {
		upstare__reason("patch %s: defines %s as an IFUNC, which libupstare's loader "
				"does not handle", o->name, name);
		return -ENOEXEC;
	}
	if (d) {
		p = (void *)(o->bias + d->st_value);
	} else if (!p && ELF64_ST_BIND(s->st_info) != STB_WEAK) {
		reason_undefined(o, name);
		return -ENOENT;
	}
	*val = (uintptr_t)p;
	return 0;
}

/* A thread-local variable of the program: its module and offset. */
struct tls_var {
	uintptr_t addr;
	size_t modid, off;
};

static int tls_cb(struct dl_phdr_info *info, size_t size, void *data)
{
	struct tls_var *t = data;

	if (size < offsetof(struct dl_phdr_info, dlpi_tls_data) + sizeof(info->dlpi_tls_data) ||
	    !info->dlpi_tls_modid || !info->dlpi_tls_data)
		return 0;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t block = (uintptr_t)info->dlpi_tls_data;

		if (ph->p_type == PT_TLS && t->addr >= block && t->addr < block + ph->p_memsz) {
			t->modid = info->dlpi_tls_modid;
			t->off = t->addr - block;
			return 1;
		}
	}
	return 0;
}

/*
 * A thread-local variable the patch refers to must be one of the program
 * (or its libraries): its module id and offset, the same in every thread.
 */
static int resolve_tls(const struct upstare__obj *o, uint32_t si, struct tls_var *t)
{
	const char *name = si ? sym_name(o, &o->syms[si]) : NULL;

	memset(t, 0, sizeof(*t));
	if (si && ELF64_ST_TYPE(o->syms[si].st_info) == STT_TLS)
		t->addr = (uintptr_t)global_sym(o, si, name);
	if (t->addr)
		dl_iterate_phdr(tls_cb, t);
	if (!t->modid) {
		upstare__reason("patch %s: thread-local variable %s is not one of the program: "
				"a patch cannot add thread-local storage", o->name,
				name ? name : "(of the patch itself)");
		return -ENOEXEC;
	}
	return 0;
}

static int relocate(struct upstare__obj *o, uintptr_t table, size_t size)
{
	const ElfW(Rela) *r = (const void *)(o->bias + table);
	struct tls_var t;
	uintptr_t v;
	int err;

	for (size_t i = 0; i < size / sizeof(*r); i++) {
		uint32_t type = ELF64_R_TYPE(r[i].r_info), si = ELF64_R_SYM(r[i].r_info);
		uintptr_t where = o->bias + r[i].r_offset;

		if (type == R_X86_64_NONE)
			continue;
		if (!in_ranges(o->rw, o->nrw, where, sizeof(uint64_t)) || si >= o->nsyms) {
			upstare__reason("patch %s: relocation at %#lx: %s", o->name,
					(unsigned long)r[i].r_offset, si >= o->nsyms ?
					"no such symbol" : "outside its writable data");
			return -ENOEXEC;
		}
		switch (type) {
		case R_X86_64_RELATIVE:
			*(uint64_t *)where = o->bias + r[i].r_addend;
			break;
		case R_X86_64_64:
		case R_X86_64_GLOB_DAT:
		case R_X86_64_JUMP_SLOT:
			v = 0;
			err = si ? resolve(o, si, &v) : 0;
			if (err)
				return err;
			*(uint64_t *)where = v + (type == R_X86_64_64 ? r[i].r_addend : 0);
			break;
		case R_X86_64_DTPMOD64:
		case R_X86_64_DTPOFF64:
			err = resolve_tls(o, si, &t);
			if (err)
				return err;
			*(uint64_t *)where = type == R_X86_64_DTPMOD64 ? t.modid :
					     t.off + r[i].r_addend;
			break;
		default:
			upstare__reason("patch %s: relocation type %u (against %s), which "
					"libupstare's loader does not handle", o->name, type,
					si ? sym_name(o, &o->syms[si]) : "no symbol");
			return -ENOEXEC;
		}
	}
	return 0;
}

/* Read-only after relocation, as the dynamic linker makes it. */
static int apply_relro(const struct upstare__obj *o, const ElfW(Phdr) *ph, unsigned n,
		       uintptr_t pg)
{
	for (unsigned i = 0; i < n; i++) {
		uintptr_t lo = page_down(o->bias + ph[i].p_vaddr, pg);
		uintptr_t hi = page_down(o->bias + ph[i].p_vaddr + ph[i].p_memsz, pg);

		if (ph[i].p_type == PT_GNU_RELRO && hi > lo &&
		    mprotect((void *)lo, hi - lo, PROT_READ)) {
			upstare__reason("patch %s: RELRO: %s", o->name, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

/* ------------------------------------------------------------ build id */

/*
 * The GNU build id of a note area (a PT_NOTE segment in memory, a
 * .note.gnu.build-id section read from a file) as hex into hex (hexsz
 * bytes, NUL-terminated, cut to fit): 0, or -1 when it has none.  Every
 * note is checked against the area's end.
 */
int upstare__build_id(const void *notes, size_t size, char *hex, size_t hexsz)
{
	const unsigned char *p = notes, *end = p + size;

	while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
		const ElfW(Nhdr) *nh = (const void *)p;
		size_t name = (nh->n_namesz + 3) & ~(size_t)3, desc = (nh->n_descsz + 3) & ~(size_t)3;
		const unsigned char *d = p + sizeof(*nh) + name;

		if (name > (size_t)(end - p) - sizeof(*nh) || desc > (size_t)(end - d))
			return -1;
		if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
		    !memcmp(p + sizeof(*nh), "GNU", 4)) {
			size_t j;

			for (j = 0; j < nh->n_descsz && 2 * j + 2 < hexsz; j++)
				snprintf(hex + 2 * j, 3, "%02x", d[j]);
			if (hexsz)
				hex[2 * j] = 0;
			return 0;
		}
		p = d + desc;
	}
	return -1;
}

/* ------------------------------------------------------------ the API */

struct init_run {
	const struct upstare__obj *o;
	const struct dynamic *d;
	uintptr_t current;	/* the constructor running */
};

static int run_init(void *arg)
{
	struct init_run *r = arg;
	const struct upstare__obj *o = r->o;
	const struct dynamic *d = r->d;
	void (**init)(int, char **, char **) = (void *)(o->bias + d->init_array);

	if (d->init) {
		r->current = o->bias + d->init;
		((void (*)(int, char **, char **))r->current)(0, NULL, environ);
	}
	for (size_t i = 0; d->init_array && i < d->init_arraysz / sizeof(*init); i++)
		if (init[i] && init[i] != (void *)-1) {
			r->current = (uintptr_t)init[i];
			init[i](0, NULL, environ);
		}
	return 0;
}

/* The name of the function of the patch's file at address a (its .symtab). */
static void func_name(int fd, const struct upstare__obj *o, uintptr_t a, char *buf, size_t n)
{
	ElfW(Ehdr) eh;
	ElfW(Shdr) *sh = NULL;
	uintptr_t want = a - o->bias;

	snprintf(buf, n, "at offset %#lx", (unsigned long)want);
	if (pread(fd, &eh, sizeof(eh), 0) != sizeof(eh) || eh.e_shentsize != sizeof(*sh) ||
	    !eh.e_shnum || eh.e_shnum > 4096 || !(sh = calloc(eh.e_shnum, sizeof(*sh))) ||
	    pread(fd, sh, eh.e_shnum * sizeof(*sh), eh.e_shoff) != (ssize_t)(eh.e_shnum * sizeof(*sh)))
		goto out;
	for (unsigned i = 0; i < eh.e_shnum; i++) {
		ElfW(Sym) sym;
		const ElfW(Shdr) *st;
		char name[128];

		if (sh[i].sh_type != SHT_SYMTAB || sh[i].sh_link >= eh.e_shnum ||
		    sh[i].sh_entsize != sizeof(sym))
			continue;
		st = &sh[sh[i].sh_link];
		for (size_t k = 0; k < sh[i].sh_size / sizeof(sym); k++) {
			ssize_t got;

			if (pread(fd, &sym, sizeof(sym), sh[i].sh_offset + k * sizeof(sym)) !=
			    sizeof(sym) || ELF64_ST_TYPE(sym.st_info) != STT_FUNC ||
			    want < sym.st_value || want >= sym.st_value + (sym.st_size ?: 1) ||
			    sym.st_name >= st->sh_size)
				continue;
			got = pread(fd, name, sizeof(name) - 1, st->sh_offset + sym.st_name);
			if (got <= 0)
				continue;
			name[got] = 0;
			snprintf(buf, n, "%s()", name);
			goto out;
		}
	}
out:
	free(sh);
}

struct upstare__obj *upstare__obj_load(int fd, const char *name)
{
	uintptr_t pg = getauxval(AT_PAGESZ) ? getauxval(AT_PAGESZ) : 4096;
	struct upstare__obj *o = calloc(1, sizeof(*o));
	ElfW(Phdr) *ph = NULL;
	struct dynamic d;
	ElfW(Ehdr) eh;
	int err;

	if (!o) {
		upstare__reason("patch %s: out of memory", name);
		return NULL;
	}
	o->name = name;
	err = read_headers(fd, name, &eh, &ph);
	if (!err)
		err = map_segments(o, fd, ph, eh.e_phnum, pg);
	for (unsigned i = 0; !err && i < eh.e_phnum; i++)
		if (ph[i].p_type == PT_DYNAMIC && in_image(o, ph[i].p_vaddr, sizeof(ElfW(Dyn))))
			o->dyn = (const ElfW(Dyn) *)(o->bias + ph[i].p_vaddr);
	if (!err && !o->dyn) {
		upstare__reason("patch %s: no dynamic section", name);
		err = -ENOEXEC;
	}
	if (!err)
		err = read_dynamic(o, &d);
	if (!err)
		err = relocate(o, d.rela, d.relasz);
	if (!err)
		err = relocate(o, d.jmprel, d.pltrelsz);
	if (!err)
		err = apply_relro(o, ph, eh.e_phnum, pg);
	free(ph);
	if (err) {
		if (o->map)
			arena_put(o->map, o->span);
		obj_free(o);
		return NULL;
	}
	o->fini = d.fini ? (void (*)(void))(o->bias + d.fini) : NULL;
	o->fini_array = d.fini_array ? (void (**)(void))(o->bias + d.fini_array) : NULL;
	o->nfini = d.fini_arraysz / sizeof(*o->fini_array);
	{
		struct init_run r = { o, &d, 0 };
		char why[256], fn[160];

		/* a constructor that faults or exits: the patch is not loaded,
		 * and its finalizers do not run */
		if (upstare__guarded(run_init, &r, why, sizeof(why))) {
			func_name(fd, o, r.current, fn, sizeof(fn));
			upstare__reason("patch %s: its constructor %s %s while it was loaded", name,
					fn, why);
			arena_put(o->map, o->span);
			obj_free(o);
			return NULL;
		}
	}
	o->name = NULL;	/* the caller's buffer: reasons are given by now */
	return o;
}

void upstare__obj_unload(struct upstare__obj *o)
{
	if (!o)
		return;
	for (size_t i = o->nfini; o->fini_array && i-- > 0;)
		if (o->fini_array[i] && o->fini_array[i] != (void (*)(void))-1)
			o->fini_array[i]();
	if (o->fini)
		o->fini();
	arena_put(o->map, o->span);
	obj_free(o);
}

void upstare__obj_commit(struct upstare__obj *o)
{
	for (unsigned i = 0; i < o->ndeps; i++)
		o->deps[i]->users++;
	o->next = NULL;
	*applied_tail = o;
	applied_tail = &o->next;
}

struct upstare__obj *upstare__obj_next(const struct upstare__obj *o)
{
	return o ? o->next : applied;
}

void upstare__obj_span(const struct upstare__obj *o, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)o->map;
	*hi = (uintptr_t)o->map + o->span;
}

int upstare__obj_bound_to(const struct upstare__obj *o)
{
	return o->users != 0;
}

/*
 * The runtime's own storage that names o: its descriptor and its list of
 * the patches it binds to (the scan of retire.c does not count them).
 */
unsigned upstare__obj_own(const struct upstare__obj *o, struct upstare__range *r, unsigned max)
{
	unsigned n = 0;

	if (n < max)
		r[n++] = (struct upstare__range){ (uintptr_t)o, (uintptr_t)(o + 1) };
	if (o->deps && n < max)
		r[n++] = (struct upstare__range){ (uintptr_t)o->deps,
						  (uintptr_t)(o->deps + o->ndeps) };
	return n;
}

/*
 * Retire an applied patch nothing refers to any more (retire.c decided):
 * it leaves the applied list and is unmapped.  Its finalizers do not run:
 * an applied patch's never do (the dynamic linker does not know it).
 */
void upstare__obj_retire(struct upstare__obj *o)
{
	struct upstare__obj **pp = &applied;
	const struct __upstare_patch *p;

	while (*pp && *pp != o)
		pp = &(*pp)->next;
	if (!*pp)
		return;
	p = upstare__obj_sym(o, "__upstare_patch_info");
	if (p)
		__upstare_rec_unregister(p->maps_begin);
	*pp = o->next;
	if (applied_tail == &o->next)
		applied_tail = pp;
	for (unsigned i = 0; i < o->ndeps; i++)
		o->deps[i]->users--;
	arena_put(o->map, o->span);
	obj_free(o);
}
