// SPDX-License-Identifier: GPL-2.0
/*
 * What the patch generator reads of ELF files: the initial value of each
 * changed global in the base (its bytes, and the slots the loader
 * relocates), and the transformers and heap declarations the patch's own
 * objects make (upstare.h's macros, section upstare_xf).
 */
#define _GNU_SOURCE
#include <stddef.h>
#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "elfread.h"
#include "instrument.h"
#include "upstare-abi.h"
#include "upstare.h"
#include "xfgen.h"
#include "xfgen_int.h"

/* the patch's entries of section upstare_xf, as upstare.h lays them out
 * (the patch is built for the machine upstare-cc runs on) */
#define XF_SIZE sizeof(struct upstare_xform)
#define XF_A offsetof(struct upstare_xform, a)
#define XF_B offsetof(struct upstare_xform, b)

#define IMAGE_MAX (1ul << 20)	/* initial values larger than this: not recorded */

/* --------------------------------------------------------------- image */

#ifndef SHT_RELR
#define SHT_RELR 19
#endif

static void add_relative(struct image *im, unsigned long at, unsigned long start)
{
	long addend;

	if (at < start || at + sizeof(addend) > start + im->size)
		return;
	/* RELR: the addend is what the file holds in the slot */
	memcpy(&addend, im->bytes + (at - start), sizeof(addend));
	im->rel = xrealloc(im->rel, (im->nrel + 1) * sizeof(*im->rel));
	im->rel[im->nrel].off = at - start;
	im->rel[im->nrel].addend = addend;
	im->rel[im->nrel].sym = NULL;
	im->nrel++;
}

/*
 * Relative relocations packed in a RELR section (lld's and ld's -z
 * pack-relative-relocs): an even entry is the address of a slot, each odd
 * one a bitmap of the 63 words after the last address.
 */
static void relr_slots(const struct xfgen *x, Elf_Scn *scn, unsigned long start,
		       struct image *im)
{
	GElf_Shdr sh;
	Elf_Data *d;
	unsigned long where = 0;
	const uint64_t *e;

	if (!gelf_getshdr(scn, &sh) || sh.sh_type != SHT_RELR || !(d = elf_getdata(scn, NULL)) ||
	    !d->d_buf)
		return;
	e = d->d_buf;
	for (size_t i = 0; i < d->d_size / sizeof(*e); i++) {
		if (!(e[i] & 1)) {
			add_relative(im, e[i], start);
			where = e[i] + 8;
			continue;
		}
		for (unsigned b = 1; b < 64; b++)
			if (e[i] >> b & 1)
				add_relative(im, where + (b - 1) * 8, start);
		where += 63 * 8;
	}
}

/* The old version's initial value of the global stored at symbol sym. */
void xf_image_of(const struct xfgen *x, const char *sym, unsigned long size, struct image *im)
{
	GElf_Ehdr eh;
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *data;

	*im = (struct image){ .why = "the base's ELF file cannot be read" };
	if (!x->elf || !gelf_getehdr(x->elf, &eh))
		return;
	im->why = "its storage is not in the base's symbol table";
	if (!elf_symbol(x->elf, sym, STT_OBJECT, &s) || s.st_size != size)
		return;
	scn = elf_getscn(x->elf, s.st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh))
		return;
	im->addr = s.st_value;
	im->size = size;
	if (sh.sh_type == SHT_NOBITS) {
		im->kind = 1;
		return;
	}
	im->why = "it is larger than 1 MiB";
	if (size > IMAGE_MAX)
		return;
	im->why = "its section cannot be read";
	data = elf_getdata(scn, NULL);
	if (!data || !data->d_buf || s.st_value < sh.sh_addr ||
	    s.st_value - sh.sh_addr + size > data->d_size)
		return;
	im->bytes = xcalloc(1, size ? size : 1);
	memcpy(im->bytes, (char *)data->d_buf + (s.st_value - sh.sh_addr), size);
	/* the slots the dynamic loader writes */
	for (scn = NULL; (scn = elf_nextscn(x->elf, scn));)
		relr_slots(x, scn, s.st_value, im);
	for (scn = NULL; (scn = elf_nextscn(x->elf, scn));) {
		GElf_Shdr rs, ss;
		Elf_Data *rd, *sd = NULL;

		if (!gelf_getshdr(scn, &rs) || (rs.sh_type != SHT_RELA && rs.sh_type != SHT_REL) ||
		    !(rs.sh_flags & SHF_ALLOC))
			continue;
		rd = elf_getdata(scn, NULL);
		if (rs.sh_link && gelf_getshdr(elf_getscn(x->elf, rs.sh_link), &ss))
			sd = elf_getdata(elf_getscn(x->elf, rs.sh_link), NULL);
		for (size_t i = 0; rd && rs.sh_entsize && i < rs.sh_size / rs.sh_entsize; i++) {
			GElf_Rela r;
			GElf_Rel rl;
			unsigned type;
			GElf_Sym rsym;

			if (rs.sh_type == SHT_RELA) {
				if (!gelf_getrela(rd, i, &r))
					continue;
			} else {
				if (!gelf_getrel(rd, i, &rl))
					continue;
				r.r_offset = rl.r_offset;
				r.r_info = rl.r_info;
				r.r_addend = 0;
			}
			if (r.r_offset < s.st_value || r.r_offset >= s.st_value + size)
				continue;
			type = GELF_R_TYPE(r.r_info);
			im->rel = xrealloc(im->rel, (im->nrel + 1) * sizeof(*im->rel));
			im->rel[im->nrel].off = r.r_offset - s.st_value;
			im->rel[im->nrel].addend = r.r_addend;
			im->rel[im->nrel].sym = NULL;
			im->nrel++;
			if (eh.e_machine == EM_X86_64 && type == R_X86_64_RELATIVE &&
			    rs.sh_type == SHT_RELA)
				continue;
			if (eh.e_machine == EM_X86_64 && (type == R_X86_64_64 ||
			    type == R_X86_64_GLOB_DAT) && sd &&
			    gelf_getsym(sd, GELF_R_SYM(r.r_info), &rsym) &&
			    elf_strptr(x->elf, ss.sh_link, rsym.st_name)) {
				im->rel[im->nrel - 1].sym =
					xstrdup(elf_strptr(x->elf, ss.sh_link, rsym.st_name));
				continue;
			}
			im->why = "the loader relocates it in a way not followed";
			return;
		}
	}
	im->kind = 2;
}

/* ------------------------------------------------ the user's transformers */

/* The string a relocation of an object file points to, or NULL. */
static const char *reloc_string(Elf *e, Elf_Data *syms, size_t strtab, const GElf_Rela *r)
{
	GElf_Sym s;
	GElf_Shdr sh;
	Elf_Scn *scn;
	Elf_Data *d;
	unsigned long at;

	if (!syms || !gelf_getsym(syms, GELF_R_SYM(r->r_info), &s) || s.st_shndx == SHN_UNDEF ||
	    s.st_shndx >= SHN_LORESERVE)
		return NULL;
	scn = elf_getscn(e, s.st_shndx);
	if (!scn || !gelf_getshdr(scn, &sh) || !(d = elf_getdata(scn, NULL)) || !d->d_buf)
		return NULL;
	at = s.st_value + r->r_addend;
	if (at >= d->d_size || !memchr((char *)d->d_buf + at, 0, d->d_size - at))
		return NULL;
	(void)strtab;
	return (char *)d->d_buf + at;
}

/*
 * One name of an UPSTARE_HEAP_ARRAY(var, count) declaration, the entry at
 * offset at of object obj's section (its relocations come in any order).
 */
static void heap_array_part(struct xfgen *x, int obj, unsigned long at, bool is_var,
			    const char *name)
{
	struct heap_array *a = NULL;

	for (int i = 0; i < x->narrays && !a; i++)
		if (x->arrays[i].obj == obj && x->arrays[i].at == at)
			a = &x->arrays[i];
	if (!a) {
		x->arrays = xrealloc(x->arrays, (x->narrays + 1) * sizeof(*x->arrays));
		a = &x->arrays[x->narrays++];
		*a = (struct heap_array){ .obj = obj, .at = at };
	}
	free(is_var ? a->var : a->count);
	*(is_var ? &a->var : &a->count) = xstrdup(name);
}

/*
 * The transformers the patch's objects declare (upstare.h's macros put a
 * struct upstare_xform in section upstare_xf): which globals and types
 * the user converts, so that their generated conversion is not reported.
 */
void xfgen_user_xforms(struct xfgen *x, char **objs, int nobjs)
{
	for (int i = 0; i < nobjs; i++) {
		int fd;
		Elf *e = elf_open_read(objs[i], &fd);
		Elf_Scn *scn = NULL, *target;
		Elf_Data *td;

		if (!e || !(target = elf_section(e, "upstare_xf", &td)))
			goto next;
		/* the relocations of section upstare_xf: the strings its entries name */
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr rs;
			Elf_Scn *symscn;
			Elf_Data *rd, *sd;

			if (!gelf_getshdr(scn, &rs) || rs.sh_type != SHT_RELA ||
			    rs.sh_info != elf_ndxscn(target))
				continue;
			rd = elf_getdata(scn, NULL);
			symscn = elf_getscn(e, rs.sh_link);
			sd = symscn ? elf_getdata(symscn, NULL) : NULL;
			for (size_t k = 0; rd && td && rs.sh_entsize && k < rs.sh_size / rs.sh_entsize;
			     k++) {
				GElf_Rela r;
				const char *str;
				unsigned kind;
				unsigned long at;
				char *ent;

				/* struct upstare_xform, in upstare.h: kind, a, b */
				if (!gelf_getrela(rd, k, &r) || (r.r_offset % XF_SIZE != XF_A &&
								 r.r_offset % XF_SIZE != XF_B))
					continue;
				at = r.r_offset - r.r_offset % XF_SIZE;
				if (at + sizeof(kind) > td->d_size)
					continue;
				memcpy(&kind, (char *)td->d_buf + at, sizeof(kind));
				str = reloc_string(e, sd, 0, &r);
				if (str && kind == UPSTARE_XF_HEAP_ARRAY) {
					heap_array_part(x, i, at, r.r_offset % XF_SIZE == XF_A, str);
					continue;
				}
				if (!str || r.r_offset % XF_SIZE != XF_A ||
				    (kind != UPSTARE_XF_GLOBAL && kind != UPSTARE_XF_TYPE &&
				     kind != UPSTARE_XF_HEAP && kind != UPSTARE_XF_HEAP_IN_PLACE))
					continue;
				if (asprintf(&ent, "%u %s", kind, str) < 0)
					continue;
				x->user = xrealloc(x->user, (x->nuser + 1) * sizeof(*x->user));
				x->user[x->nuser++] = ent;
			}
		}
next:
		elf_close(e, fd);
	}
}

bool xf_user_converts(const struct xfgen *x, unsigned kind, const char *name)
{
	for (int i = 0; i < x->nuser; i++)
		if ((unsigned)atoi(x->user[i]) == kind && !strcmp(strchr(x->user[i], ' ') + 1, name))
			return true;
	return false;
}
