/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Reading ELF files with libelf, for every tool (upstare-cc, upstared,
 * upstarectl): a file opened, a section found by name, symbols walked or
 * looked up, the GNU build id.  The runtime reads its own ELF structures
 * (userlib/load.c): it links no libelf.
 */
#ifndef UPSTARE_ELFREAD_H
#define UPSTARE_ELFREAD_H

#include <gelf.h>
#include <libelf.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * A build id in hex with its NUL: at most 31 bytes of id, as the control
 * block (upstare_control.build_id) and the runtime (upstare__build_id())
 * keep it, so that the tools and the target compare the same string.
 */
#define ELF_BUILD_ID_HEX	64

/*
 * path opened for reading: its libelf handle, the descriptor in *fd.
 * NULL with *fd -1 (errno set) when it cannot be opened; NULL with *fd
 * open when libelf refuses it (elf_errmsg(-1) says why).  elf_close()
 * undoes either.
 */
Elf *elf_open(const char *path, int *fd);
void elf_close(Elf *e, int fd);

/*
 * The first section of e named name that has contents in the file (not
 * SHT_NOBITS), its data in *data when data is not NULL; NULL if none.
 */
Elf_Scn *elf_section(Elf *e, const char *name, Elf_Data **data);

/*
 * fn(arg, symbol, name) for each symbol of e's table of type shtype
 * (SHT_SYMTAB or SHT_DYNSYM) that has a name string, until fn returns
 * non-zero: that value; 0 when fn never did; -ENOENT when e has no table
 * of that type.
 */
int elf_symbols(Elf *e, unsigned shtype,
		int (*fn)(void *arg, const GElf_Sym *sym, const char *name), void *arg);

/*
 * The symbol called name that e defines, of type type (STT_*, or -1 for
 * any), from .symtab, else from .dynsym: true with it in *sym.
 */
bool elf_symbol(Elf *e, const char *name, int type, GElf_Sym *sym);

/*
 * e's GNU build id (the NT_GNU_BUILD_ID note of name "GNU" in a note
 * section) in hex, cut to ELF_BUILD_ID_HEX: 0, or -ENOENT if it has none.
 */
int elf_build_id(Elf *e, char hex[ELF_BUILD_ID_HEX]);
/* The same for the file at path: 0, -ENOENT, or -errno if it cannot be read. */
int elf_file_build_id(const char *path, char hex[ELF_BUILD_ID_HEX]);

#endif
