// SPDX-License-Identifier: GPL-2.0
/*
 * Reading locals from native frames with the compiler's records: the
 * run-time half of Documentation/framemaps.rst, checked on one program.
 *
 * Built twice by run-bench.sh framemap-estimate: without FRAMEMAP_READER,
 * through framemap -d (each call's live locals as a deopt bundle, made a
 * gc.statepoint by opt); with it, plainly.  walk() climbs the
 * frame-pointer chain from its caller, finds each return address in the
 * executable's .llvm_stackmaps (as the loader relocated it), and reads the
 * recorded values.  Spilled statepoint values are Indirect locations,
 * [rsp + off] or [rbp + off] of the frame that made the call.  Values left
 * in callee-saved registers (llc -use-registers-for-deopt-values) are
 * Register locations: the value is where the frames below saved that
 * register, which their CFI (.eh_frame, read with libdw) says, or still in
 * the register when none of them saved it.
 *
 * deep(n, acc) recurses to n = 0; each level keeps `local` and `twice`
 * live across its call, and writes what they hold to want[] first.  The
 * program exits 0 when every frame read has the values want[] says.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>

#define DEPTH	5

extern long want[DEPTH + 1][2];
int walk(void);

#ifndef FRAMEMAP_READER

__attribute__((noinline)) int deep(int n, int acc)
{
	int local = n * 3 + 1;
	long twice = (long)acc * 2;

	if (n == 0)
		return walk();
	want[n][0] = local;
	want[n][1] = twice;
	int r = deep(n - 1, acc + local);

	return r + local + (int)twice;
}

#else

#include <dwarf.h>
#include <elfutils/libdw.h>
#include <fcntl.h>
#include <gelf.h>
#include <link.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

int deep(int n, int acc);
long want[DEPTH + 1][2];

static const uint8_t *sm_start, *sm_end;
static uintptr_t bias;
static Elf *exe;
static Dwarf_CFI *cfi;

static int first_object(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	*(uintptr_t *)data = info->dlpi_addr;
	return 1;
}

/* .llvm_stackmaps as mapped (the loader relocated its function addresses), and the CFI */
static int find_maps(void)
{
	int fd = open("/proc/self/exe", O_RDONLY);
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	Elf *e;

	if (fd < 0 || elf_version(EV_CURRENT) == EV_NONE)
		return -1;
	dl_iterate_phdr(first_object, &bias);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || elf_getshdrstrndx(e, &shstrndx))
		return -1;
	exe = e;
	cfi = dwarf_getcfi_elf(e);
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		const char *name;

		if (!gelf_getshdr(scn, &sh))
			continue;
		name = elf_strptr(e, shstrndx, sh.sh_name);
		if (name && !strcmp(name, ".llvm_stackmaps")) {
			sm_start = (const uint8_t *)(bias + sh.sh_addr);
			sm_end = sm_start + sh.sh_size;
		}
	}
	return sm_start && cfi ? 0 : -1;
}

/*
 * Where the callee-saved registers' values are, as the caller of a frame
 * sees them: in memory, where a frame below saved the register, or in
 * the register itself still.
 */
enum { NREG = 16 };
static const int csr[] = { 3, 12, 13, 14, 15 };	/* rbx, r12-r15 (rbp: the chain) */

struct view {
	bool in_mem[NREG];
	unsigned long val[NREG];	/* the value, or its address */
};

/* A DWARF expression of the forms CFI uses here: the value it leaves. */
static bool eval(const Dwarf_Op *ops, size_t n, uintptr_t cfa, uintptr_t rbp, uintptr_t rsp,
		 uintptr_t *out, bool *is_value)
{
	uintptr_t st[8];
	int sp = 0;

	*is_value = false;
	for (size_t i = 0; i < n; i++) {
		uint8_t op = ops[i].atom;

		if (sp >= 7)
			return false;
		if (op == DW_OP_call_frame_cfa)
			st[sp++] = cfa;
		else if (op == DW_OP_breg6 || (op == DW_OP_bregx && ops[i].number == 6))
			st[sp++] = rbp + (op == DW_OP_bregx ? ops[i].number2 : ops[i].number);
		else if (op == DW_OP_breg7 || (op == DW_OP_bregx && ops[i].number == 7))
			st[sp++] = rsp + (op == DW_OP_bregx ? ops[i].number2 : ops[i].number);
		else if (op >= DW_OP_lit0 && op <= DW_OP_lit31)
			st[sp++] = op - DW_OP_lit0;
		else if (op == DW_OP_consts || op == DW_OP_constu)
			st[sp++] = ops[i].number;
		else if (op == DW_OP_plus_uconst && sp >= 1)
			st[sp - 1] += ops[i].number;
		else if (op == DW_OP_plus && sp >= 2) {
			st[sp - 2] += st[sp - 1];
			sp--;
		} else if (op == DW_OP_stack_value)
			*is_value = true;
		else
			return false;
	}
	if (sp != 1)
		return false;
	*out = st[0];
	return true;
}

/*
 * Apply the rules of the frame at PC (its frame pointer RBP, its stack
 * pointer at PC RSP) to V: afterwards V is its caller's view.
 */
static bool step(struct view *v, uintptr_t pc, uintptr_t rbp, uintptr_t rsp)
{
	Dwarf_Frame *fr;
	Dwarf_Op *ops, mem[3];
	size_t n;
	uintptr_t cfa, at;
	bool is_value;

	if (dwarf_cfi_addrframe(cfi, pc - bias, &fr))
		return false;
	if (dwarf_frame_cfa(fr, &ops, &n) || !n || !eval(ops, n, 0, rbp, rsp, &cfa, &is_value)) {
		free(fr);
		return false;
	}
	for (size_t k = 0; k < sizeof(csr) / sizeof(csr[0]); k++) {
		int r = csr[k];

		if (dwarf_frame_register(fr, r, mem, &ops, &n))
			continue;
		if (!n)		/* same value (or undefined: not for these) */
			continue;
		if (!eval(ops, n, cfa, rbp, rsp, &at, &is_value) || is_value)
			continue;
		v->in_mem[r] = true;
		v->val[r] = at;
	}
	free(fr);
	return true;
}

static unsigned long reg_value(const struct view *v, int r)
{
	unsigned long x = v->val[r];

	if (v->in_mem[r])
		memcpy(&x, (void *)v->val[r], sizeof(x));
	return x;
}

/* a location of the stack map format, version 3 */
struct loc {
	uint8_t type;	/* 1 register, 2 direct, 3 indirect, 4 constant, 5 constant index */
	uint8_t reserved;
	uint16_t size;
	uint16_t reg;	/* DWARF register: 6 rbp, 7 rsp */
	uint16_t reserved2;
	int32_t off;
};

static const uint8_t *align8(const uint8_t *p)
{
	return p + ((8 - ((uintptr_t)p & 7)) & 7);
}

/* The locations recorded for return address RA, or NULL; one section per object linked. */
static const struct loc *lookup(uintptr_t ra, unsigned *nloc)
{
	const uint8_t *p = sm_start;

	while (p + 16 <= sm_end && p[0] == 3) {
		uint32_t nfn, ncst, nrec;

		memcpy(&nfn, p + 4, 4);
		memcpy(&ncst, p + 8, 4);
		memcpy(&nrec, p + 12, 4);
		const uint64_t *fn = (const uint64_t *)(p + 16);
		const uint8_t *r = p + 16 + 24 * nfn + 8 * ncst;
		uint32_t f = 0;
		uint64_t left = nfn ? fn[2] : 0;

		for (uint32_t k = 0; k < nrec; k++) {
			uint32_t off;
			uint16_t nl, nlive;

			while (f < nfn && !left && ++f < nfn)
				left = fn[3 * f + 2];
			memcpy(&off, r + 8, 4);
			memcpy(&nl, r + 14, 2);
			const uint8_t *next = align8(r + 16 + 12 * nl);

			memcpy(&nlive, next + 2, 2);
			next = align8(next + 4 + 4 * nlive);
			if (f < nfn && fn[3 * f] + off == ra) {
				*nloc = nl;
				return (const struct loc *)(r + 16);
			}
			left--;
			r = next;
		}
		p = r;
	}
	return NULL;
}

/* Every frame above the caller: its recorded values against want[]. */
__attribute__((noinline)) int walk(void)
{
	uintptr_t *fp = __builtin_frame_address(0);
	int bad = 0, frames = 0, registers = 0;
	struct view v;
	ucontext_t uc;

	memset(&v, 0, sizeof(v));
	if (find_maps()) {
		printf("framemap-read: no .llvm_stackmaps or no CFI in /proc/self/exe\n");
		return 1;
	}
	/* the registers here, then as walk()'s caller and deep(0)'s caller see them */
	getcontext(&uc);
	v.val[3] = uc.uc_mcontext.gregs[REG_RBX];
	v.val[12] = uc.uc_mcontext.gregs[REG_R12];
	v.val[13] = uc.uc_mcontext.gregs[REG_R13];
	v.val[14] = uc.uc_mcontext.gregs[REG_R14];
	v.val[15] = uc.uc_mcontext.gregs[REG_R15];
	if (!step(&v, uc.uc_mcontext.gregs[REG_RIP], (uintptr_t)fp, uc.uc_mcontext.gregs[REG_RSP]) ||
	    !step(&v, fp[1] - 1, fp[0], (uintptr_t)(fp + 2))) {
		printf("framemap-read: no CFI for walk() or deep(0)\n");
		return 1;
	}
	fp = (uintptr_t *)fp[0];	/* deep(0)'s frame: its call to walk() has no values */
	for (int n = 1; n <= DEPTH; n++) {
		uintptr_t ra = fp[1], rsp = (uintptr_t)(fp + 2);	/* the caller's, at its call */
		uintptr_t *cfp = (uintptr_t *)fp[0];
		const struct loc *l;
		unsigned nl = 0;
		long got[2] = { 0, 0 };

		l = lookup(ra, &nl);
		/* a statepoint: calling convention, flags, count, then the deopt values */
		if (!l || nl != 5) {
			printf("framemap-read: frame %d: %s\n", n, l ? "not two values" : "no record");
			return 1;
		}
		for (unsigned i = 3; i < nl; i++) {
			uintptr_t base = l[i].reg == 7 ? rsp : l[i].reg == 6 ? (uintptr_t)cfp : 0;

			if (l[i].type == 3 && base && l[i].size <= sizeof(long))
				memcpy(&got[i - 3], (void *)(base + l[i].off), l[i].size);
			else if (l[i].type == 1 && l[i].reg < NREG && l[i].size <= sizeof(long) &&
				 (l[i].reg == 3 || l[i].reg >= 12)) {
				unsigned long x = reg_value(&v, l[i].reg);

				memcpy(&got[i - 3], &x, l[i].size);
				registers++;
			} else if (l[i].type == 4)
				got[i - 3] = l[i].off;
			else {
				printf("framemap-read: frame %d: location %u of type %u, register %u "
				       "(not read)\n", n, i, l[i].type, l[i].reg);
				return 1;
			}
		}
		printf("frame %d: local %ld twice %ld (want %ld %ld)\n", n, got[0], got[1], want[n][0],
		       want[n][1]);
		bad += got[0] != want[n][0] || got[1] != want[n][1];
		frames++;
		/* this frame's rules, at its call, give its caller's view */
		if (n < DEPTH && !step(&v, ra - 1, (uintptr_t)cfp, rsp)) {
			printf("framemap-read: frame %d: no CFI\n", n);
			return 1;
		}
		fp = cfp;
	}
	printf("framemap-read: %d frames read, %d values from registers, %d wrong\n", frames,
	       registers, bad);
	return bad ? 1 : 0;
}

int main(void)
{
	/* deep() returns walk()'s status plus what its levels add up */
	int status = deep(DEPTH, 10);

	for (int n = 1; n <= DEPTH; n++)
		status -= (int)want[n][0] + (int)want[n][1];
	return status;
}

#endif
