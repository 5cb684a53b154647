/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_INSTRUMENT_H
#define UPSTARE_INSTRUMENT_H

#include <stdbool.h>

struct instr_opts {
	const char *input;		/* preprocessed translation unit (.i) */
	const char *srcname;		/* the source file as named on the command line */
	const char *output;		/* instrumented C to write */
	const char *const *args;	/* language flags for the parser */
	int nargs;
	bool allow_unsupported;		/* compile unsupported functions uninstrumented */
	bool register_all;		/* describe static functions too (patches) */
	bool all_points;		/* no quiet functions (park.c) */
	bool records;			/* saves as stack-map records (records.c) */
	enum rb_policy {		/* which functions get a rebuild entry (emit.c) */
		RB_NONE, RB_SMALL, RB_ALL
	} rebuild_entries;
};

/* Returns 0, or 1 after printing "file:line:col: error: ..." diagnostics. */
int instrument_file(const struct instr_opts *o);

/*
 * libcalls.c: whether a call to the linker symbol sym goes to a libupstare
 * wrapper (the driver renames it), and whether that call is a
 * continuation point (WRAP_POINT: the wrapper may unwind its caller).
 */
enum wrap { WRAP_NONE, WRAP_POINT, WRAP_QUIET };
enum wrap wrapped_symbol(const char *sym);

/* Print the .upstare metadata and build id of an ELF file as JSON. */
int dump_meta(const char *path);
/*
 * elf_open() (controller/elfread.h) with the error said: libelf's handle
 * of the file at path, opened for reading into *fd (elf_close() undoes
 * it); NULL when the file cannot be opened (*fd -1) or libelf cannot
 * read it.
 */
struct Elf;
struct Elf *elf_open_read(const char *path, int *fd);

#endif
