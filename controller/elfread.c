// SPDX-License-Identifier: GPL-2.0
/*
 * The tools' one reader of ELF files (elfread.h): every walk over
 * sections, symbol tables and notes that upstare-cc and the controller
 * make goes through here, so that each is bounded and checked one way.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "upstare-ctl.h"

_Static_assert(ELF_BUILD_ID_HEX == sizeof(((struct upstare_control *)0)->build_id),
	       "a build id is kept as the control block keeps it");

Elf *elf_open(const char *path, int *fd)
{
	*fd = open(path, O_RDONLY | O_CLOEXEC);
	if (*fd < 0)
		return NULL;
	elf_version(EV_CURRENT);
	return elf_begin(*fd, ELF_C_READ, NULL);
}

void elf_close(Elf *e, int fd)
{
	if (e)
		elf_end(e);
	if (fd >= 0)
		close(fd);
}

Elf_Scn *elf_section(Elf *e, const char *name, Elf_Data **data)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;

	if (elf_kind(e) != ELF_K_ELF || elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;
		GElf_Shdr sh;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type == SHT_NOBITS ||
		    !(n = elf_strptr(e, shstrndx, sh.sh_name)) || strcmp(n, name))
			continue;
		if (data)
			*data = elf_getdata(scn, NULL);
		return scn;
	}
	return NULL;
}

int elf_symbols(Elf *e, unsigned shtype,
		int (*fn)(void *arg, const GElf_Sym *sym, const char *name), void *arg)
{
	Elf_Scn *scn = NULL;
	int found = -ENOENT;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != shtype || !sh.sh_entsize)
			continue;
		found = 0;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			const char *name;
			GElf_Sym sym;
			int r;

			if (!gelf_getsym(d, i, &sym) ||
			    !(name = elf_strptr(e, sh.sh_link, sym.st_name)))
				continue;
			r = fn(arg, &sym, name);
			if (r)
				return r;
		}
	}
	return found;
}

struct sym_lookup {
	const char *name;
	int type;
	GElf_Sym *sym;
};

static int sym_match(void *arg, const GElf_Sym *sym, const char *name)
{
	struct sym_lookup *l = arg;

	if (sym->st_shndx == SHN_UNDEF || strcmp(name, l->name) ||
	    (l->type >= 0 && GELF_ST_TYPE(sym->st_info) != l->type))
		return 0;
	*l->sym = *sym;
	return 1;
}

bool elf_symbol(Elf *e, const char *name, int type, GElf_Sym *sym)
{
	struct sym_lookup l = { name, type, sym };

	return elf_symbols(e, SHT_SYMTAB, sym_match, &l) == 1 ||
	       elf_symbols(e, SHT_DYNSYM, sym_match, &l) == 1;
}

/* The build id in a note section's data d: 0, or -ENOENT. */
static int note_build_id(Elf_Data *d, char *hex)
{
	size_t off = 0, noff, doff;
	GElf_Nhdr nh;

	while ((off = gelf_getnote(d, off, &nh, &noff, &doff)) > 0) {
		const unsigned char *desc = (const unsigned char *)d->d_buf + doff;
		size_t j;

		if (nh.n_type != NT_GNU_BUILD_ID || nh.n_namesz != 4 ||
		    memcmp((const char *)d->d_buf + noff, "GNU", 4))
			continue;
		for (j = 0; j < nh.n_descsz && 2 * j + 2 < ELF_BUILD_ID_HEX; j++) {
			hex[2 * j] = "0123456789abcdef"[desc[j] >> 4];
			hex[2 * j + 1] = "0123456789abcdef"[desc[j] & 15];
		}
		hex[2 * j] = 0;
		return 0;
	}
	return -ENOENT;
}

int elf_build_id(Elf *e, char hex[ELF_BUILD_ID_HEX])
{
	Elf_Scn *scn = NULL;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (gelf_getshdr(scn, &sh) && sh.sh_type == SHT_NOTE &&
		    (d = elf_getdata(scn, NULL)) && d->d_buf && !note_build_id(d, hex))
			return 0;
	}
	return -ENOENT;
}

int elf_file_build_id(const char *path, char hex[ELF_BUILD_ID_HEX])
{
	int fd, err;
	Elf *e = elf_open(path, &fd);

	if (fd < 0)
		return -errno;
	err = e ? elf_build_id(e, hex) : -ENOENT;
	elf_close(e, fd);
	return err;
}
