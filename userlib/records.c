// SPDX-License-Identifier: GPL-2.0
/*
 * Saves as records (upstare-cc's default; --no-records gives the save
 * code).  Where a save would copy the live locals into the frame record,
 * the code calls a stub of the runtime through a statepoint whose
 * stack-map record (section upstare_maps, at the call's return address)
 * says where each value is at the call (instrumentor/records.c):
 * __upstare_rec_stub at entry, after __upstare_enter() pushed the frame
 * record; __upstare_rec_unwind_stub after a call and
 * __upstare_rec_poll_stub at a loop's update point, which push it as
 * __upstare_unwind_at() and __upstare_poll_save() do when the thread
 * unwinds.  The stub stores every register the record may name;
 * upstare__rec_save() finds the record by the return address and copies
 * each value from where it is (a register, a stack slot, a constant) into
 * the frame record.  The frame then returns as after any save.
 *
 * A record's locations: the calling convention, the flags and the number
 * of values (constants), then three per value: the offset in the frame
 * record and how (size << 2 | kind, upstare-abi.h), both constants, then
 * the value.
 */
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime.h"
#include "upstare-stackmap.h"

/* The registers at the stack map, by DWARF number: 0-15 and xmm0-15 (17-32). */
struct rec_regs {
	uint64_t gpr[16];
	unsigned char xmm[16][16];
};

void upstare__rec_save(const struct rec_regs *r, uintptr_t ra);
int upstare__rec_unwind(const struct rec_regs *r, uintptr_t ra, const struct __upstare_fdesc *fd,
			unsigned int cp);
int upstare__rec_poll(const struct rec_regs *r, uintptr_t ra, const struct __upstare_fdesc *fd,
		      unsigned int cp);

/*
 * The stubs: every register saved as it was at the call (rsp as it was
 * before the call pushed the return address), then the C function with
 * them, the return address and the stub's own arguments (fd and cp of
 * __upstare_rec_unwind_stub and __upstare_rec_poll_stub), whose answer
 * the stub returns.  The values of a record are never in the registers
 * that carry the call's arguments.  The calls to the stubs are
 * preserve_most (records.c of upstare-cc): the stubs give back every
 * register the C function may change but r11, and rax where it is their
 * answer.
 */
#define REC_STUB_ASM(stub, fn, restore_rax)				\
	".text\n"							\
	".globl " stub "\n"						\
	".type " stub ", @function\n"					\
	stub ":\n"							\
	".cfi_startproc\n"						\
	"subq $392, %rsp\n"						\
	".cfi_adjust_cfa_offset 392\n"					\
	"movq %rax, 0(%rsp)\n"						\
	"movq %rdx, 8(%rsp)\n"						\
	"movq %rcx, 16(%rsp)\n"						\
	"movq %rbx, 24(%rsp)\n"						\
	"movq %rsi, 32(%rsp)\n"						\
	"movq %rdi, 40(%rsp)\n"						\
	"movq %rbp, 48(%rsp)\n"						\
	"leaq 400(%rsp), %rax\n"					\
	"movq %rax, 56(%rsp)\n"						\
	"movq %r8, 64(%rsp)\n"						\
	"movq %r9, 72(%rsp)\n"						\
	"movq %r10, 80(%rsp)\n"						\
	"movq %r11, 88(%rsp)\n"						\
	"movq %r12, 96(%rsp)\n"						\
	"movq %r13, 104(%rsp)\n"					\
	"movq %r14, 112(%rsp)\n"					\
	"movq %r15, 120(%rsp)\n"					\
	"movdqu %xmm0, 128(%rsp)\n"					\
	"movdqu %xmm1, 144(%rsp)\n"					\
	"movdqu %xmm2, 160(%rsp)\n"					\
	"movdqu %xmm3, 176(%rsp)\n"					\
	"movdqu %xmm4, 192(%rsp)\n"					\
	"movdqu %xmm5, 208(%rsp)\n"					\
	"movdqu %xmm6, 224(%rsp)\n"					\
	"movdqu %xmm7, 240(%rsp)\n"					\
	"movdqu %xmm8, 256(%rsp)\n"					\
	"movdqu %xmm9, 272(%rsp)\n"					\
	"movdqu %xmm10, 288(%rsp)\n"					\
	"movdqu %xmm11, 304(%rsp)\n"					\
	"movdqu %xmm12, 320(%rsp)\n"					\
	"movdqu %xmm13, 336(%rsp)\n"					\
	"movdqu %xmm14, 352(%rsp)\n"					\
	"movdqu %xmm15, 368(%rsp)\n"					\
	"movq %rdi, %rdx\n"						\
	"movl %esi, %ecx\n"						\
	"movq %rsp, %rdi\n"						\
	"movq 392(%rsp), %rsi\n"					\
	"call " fn "\n"							\
	"movq 8(%rsp), %rdx\n"						\
	"movq 16(%rsp), %rcx\n"						\
	"movq 32(%rsp), %rsi\n"						\
	"movq 40(%rsp), %rdi\n"						\
	"movq 64(%rsp), %r8\n"						\
	"movq 72(%rsp), %r9\n"						\
	"movq 80(%rsp), %r10\n"						\
	restore_rax							\
	"addq $392, %rsp\n"						\
	".cfi_adjust_cfa_offset -392\n"					\
	"ret\n"								\
	".cfi_endproc\n"						\
	".size " stub ", .-" stub "\n"

__asm__(REC_STUB_ASM("__upstare_rec_stub", "upstare__rec_save", "movq 0(%rsp), %rax\n")
	REC_STUB_ASM("__upstare_rec_unwind_stub", "upstare__rec_unwind", "")
	REC_STUB_ASM("__upstare_rec_poll_stub", "upstare__rec_poll", ""));

struct rec_ix {
	uintptr_t pc;			/* the return address of the call to the stub */
	const unsigned char *rec;
	const uint64_t *consts;		/* its table's large constants */
};

struct rec_module {
	const unsigned char *begin, *end;
	unsigned refs;			/* objects of the module that registered it */
	struct rec_ix *ix;
	size_t n, cap;
	struct rec_module *next;
};

static pthread_mutex_t rec_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rec_module *modules;

/*
 * Add the maps in [begin, end), counted: every object built with records
 * registers its module's (the executable's, a shared library's) from a
 * constructor; a committed patch's are added once (patch.c) and removed
 * when it is retired (load.c).
 */
void __upstare_rec_register(const void *begin, const void *end)
{
	struct rec_module *m;

	if (!begin || begin == end)
		return;
	pthread_mutex_lock(&rec_lock);
	for (m = modules; m && m->begin != begin; m = m->next)
		;
	if (m) {
		m->refs++;
		pthread_mutex_unlock(&rec_lock);
		return;
	}
	m = calloc(1, sizeof(*m));
	if (!m)
		upstare__fatal("out of memory for the stack maps");
	m->begin = begin;
	m->end = end;
	m->refs = 1;
	m->next = modules;
	modules = m;
	pthread_mutex_unlock(&rec_lock);
}

void __upstare_rec_unregister(const void *begin)
{
	struct rec_module **pp, *m;

	if (!begin)
		return;
	pthread_mutex_lock(&rec_lock);
	for (pp = &modules; *pp && (*pp)->begin != begin; pp = &(*pp)->next)
		;
	m = *pp;
	if (m && --m->refs == 0)
		*pp = m->next;
	else
		m = NULL;
	pthread_mutex_unlock(&rec_lock);
	if (m) {
		upstare__free_zeroed(m->ix, m->cap * sizeof(*m->ix));
		upstare__free_zeroed(m, sizeof(*m));
	}
}

void upstare__rec_own(void (*add)(void *arg, uintptr_t lo, uintptr_t hi), void *arg)
{
	pthread_mutex_lock(&rec_lock);
	for (struct rec_module *m = modules; m; m = m->next) {
		add(arg, (uintptr_t)m, (uintptr_t)(m + 1));
		if (m->ix)
			add(arg, (uintptr_t)m->ix, (uintptr_t)(m->ix + m->cap));
	}
	pthread_mutex_unlock(&rec_lock);
}

static int ix_cmp(const void *a, const void *b)
{
	const struct rec_ix *x = a, *y = b;

	return x->pc < y->pc ? -1 : x->pc > y->pc;
}

/*
 * Walk m's tables (upstare-stackmap.h): the number of records, and, when
 * ix is not NULL, each in ix.
 */
static size_t rec_walk(const struct rec_module *m, struct rec_ix *ix)
{
	const unsigned char *t = m->begin;
	size_t n = 0;

	while (t + 16 <= m->end) {
		struct upstare_stackmap s;
		const unsigned char *rec;

		if (t[0] != UPSTARE_STACKMAP_VERSION)
			upstare__fatal("stack maps of version %u, not %u", t[0],
				       UPSTARE_STACKMAP_VERSION);
		upstare_stackmap_table(t, &s);
		rec = s.recs;
		for (uint32_t f = 0; f < s.nfn; f++) {
			uint64_t addr, count;

			memcpy(&addr, s.fns + 24 * f, 8);
			memcpy(&count, s.fns + 24 * f + 16, 8);
			for (uint64_t i = 0; i < count; i++) {
				uint32_t off;

				memcpy(&off, rec + 8, 4);
				if (ix)
					ix[n] = (struct rec_ix){ addr + off, rec, s.consts };
				n++;
				rec = upstare_stackmap_next(t, upstare_stackmap_liveouts(t, rec));
			}
		}
		t = rec;
	}
	return n;
}

/*
 * Index m's records by place, once.  One allocation, no realloc(): a
 * block freed with pointers into a patch in it would keep the patch mapped
 * (retire.c reads the heap).
 */
static void rec_index(struct rec_module *m)
{
	m->cap = rec_walk(m, NULL);
	m->ix = calloc(m->cap ? m->cap : 1, sizeof(*m->ix));
	if (!m->ix)
		upstare__fatal("out of memory for the stack maps");
	m->n = rec_walk(m, m->ix);
	qsort(m->ix, m->n, sizeof(*m->ix), ix_cmp);
}

/* The stack map whose call to the stub returns to ra. */
static const struct rec_ix *rec_find(uintptr_t ra)
{
	const struct rec_ix *best = NULL;

	pthread_mutex_lock(&rec_lock);
	for (struct rec_module *m = modules; m && !best; m = m->next) {
		size_t lo = 0, hi;

		if (!m->ix)
			rec_index(m);
		hi = m->n;
		while (lo < hi) {	/* the first at or after ra */
			size_t mid = (lo + hi) / 2;

			if (m->ix[mid].pc < ra)
				lo = mid + 1;
			else
				hi = mid;
		}
		if (lo < m->n && m->ix[lo].pc == ra)
			best = &m->ix[lo];
	}
	pthread_mutex_unlock(&rec_lock);
	return best;
}

/*
 * Location l of a record: the value's bytes in buf (16), or, for a value
 * the map says is in memory, its address in *mem.
 */
static void loc_value(const unsigned char *l, const struct rec_regs *r, const uint64_t *consts,
		      unsigned char buf[16], const void **mem)
{
	uint16_t reg;
	int32_t off;
	uint64_t v;

	memcpy(&reg, l + 4, 2);
	memcpy(&off, l + 8, 4);
	*mem = NULL;
	memset(buf, 0, 16);
	switch (l[0]) {
	case 1:	/* register */
		if (reg < 16)
			memcpy(buf, &r->gpr[reg], 8);
		else if (reg >= 17 && reg <= 32)
			memcpy(buf, r->xmm[reg - 17], 16);
		else
			upstare__fatal("stack map: register %u", reg);
		return;
	case 2:	/* direct: the address reg + off */
		if (reg >= 16)
			upstare__fatal("stack map: base register %u", reg);
		v = r->gpr[reg] + off;
		memcpy(buf, &v, 8);
		return;
	case 3:	/* indirect: in memory at reg + off */
		if (reg >= 16)
			upstare__fatal("stack map: base register %u", reg);
		*mem = (const void *)(uintptr_t)(r->gpr[reg] + off);
		return;
	case 4:	/* constant */
		v = (uint64_t)(int64_t)off;
		memcpy(buf, &v, 8);
		return;
	case 5:	/* constant, by index */
		memcpy(buf, &consts[(uint32_t)off], 8);
		return;
	}
	upstare__fatal("stack map: location of type %u", l[0]);
}

static uint32_t loc_const(const unsigned char *l, const struct rec_regs *r, const uint64_t *c)
{
	unsigned char buf[16];
	const void *mem;
	uint32_t v;

	loc_value(l, r, c, buf, &mem);
	if (mem || (l[0] != 4 && l[0] != 5))
		upstare__fatal("stack map: an entry's offset is not a constant");
	memcpy(&v, buf, 4);
	return v;
}

void upstare__rec_save(const struct rec_regs *r, uintptr_t ra)
{
	struct frame *fr = upstare__ts.top;
	char *rec = (char *)&fr->hdr;
	const struct rec_ix *x = rec_find(ra);
	uint64_t id;
	uint16_t nloc;

	if (!x)
		upstare__fatal("saving %s(): no stack map at %#lx", fr->hdr.fd->name,
			       (unsigned long)ra);
	memcpy(&id, x->rec, 8);
	nloc = upstare_stackmap_nloc(x->rec);
	if (id != fr->hdr.cp || nloc < 3 || nloc % 3)
		upstare__fatal("saving %s() at continuation point %u: the stack map at %#lx is "
			       "of point %llu", fr->hdr.fd->name, fr->hdr.cp,
			       (unsigned long)x->pc, (unsigned long long)id);
	for (uint16_t i = 3; i < nloc; i += 3) {
		const unsigned char *l = x->rec + 16 + 12 * (size_t)i;
		uint32_t off = loc_const(l, r, x->consts);
		uint32_t how = loc_const(l + 12, r, x->consts);
		size_t size = how >> 2;
		unsigned char buf[16];
		const void *mem;
		void *p;

		if (off + size > fr->size)
			upstare__fatal("saving %s(): a value beyond its frame record",
				       fr->hdr.fd->name);
		loc_value(l + 24, r, x->consts, buf, &mem);
		switch (how & 3) {
		case __UPSTARE_REC_VALUE:
			if (!mem && size > 16)
				upstare__fatal("stack map: a value of %zu bytes in a register", size);
			memcpy(rec + off, mem ? mem : buf, size);
			break;
		case __UPSTARE_REC_MEMORY:
		case __UPSTARE_REC_MEMORY_AT:
			memcpy(&p, mem ? mem : buf, sizeof(p));
			if ((how & 3) == __UPSTARE_REC_MEMORY_AT)
				memcpy(&p, p, sizeof(p));
			memcpy(rec + off, p, size);
			break;
		default:
			memcpy(rec + off, mem ? mem : buf, sizeof(void *));
			break;
		}
	}
}

int upstare__rec_unwind(const struct rec_regs *r, uintptr_t ra, const struct __upstare_fdesc *fd,
			unsigned int cp)
{
	if (!__upstare_unwind_at(fd, cp))
		return 0;
	upstare__rec_save(r, ra);
	return 1;
}

int upstare__rec_poll(const struct rec_regs *r, uintptr_t ra, const struct __upstare_fdesc *fd,
		      unsigned int cp)
{
	if (!__upstare_poll_save(fd, cp))
		return 0;
	upstare__rec_save(r, ra);
	return 1;
}
