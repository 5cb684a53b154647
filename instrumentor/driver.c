// SPDX-License-Identifier: GPL-2.0
/*
 * upstare-cc: a drop-in replacement for cc that builds updateable programs.
 *
 * For each C source: preprocess with clang-19 -E, instrument the result
 * (instrument.c), compile the instrumented C with clang-19 with frame
 * pointers.  At link time add libupstare.a, --export-dynamic, a build id and
 * packed relative relocations.
 * Everything else on the command line goes to clang as it is, so the flags
 * real Makefiles pass keep their meaning.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "elfread.h"
#include "instrument.h"
#include "patch.h"
#include "records.h"
#include "strbuf.h"
#include "upmeta.h"

#define VERSION "0.1"

static void av_append(struct argv_list *a, const struct argv_list *b)
{
	for (int i = 0; i < b->n; i++)
		argv_list_push(a, b->v[i]);
}

struct input {
	char *path;
	char *lang;	/* -x in effect, or NULL */
	bool is_source;	/* C: instrument it */
	bool is_flag;	/* a -l or -Wl, flag that keeps its place among the inputs */
	const char *srcname;	/* the source it was preprocessed from, if not path */
};

static struct {
	bool compile_only, assemble_only, preprocess_only, keep, allow_unsupported;
	bool all_points, no_records;
	enum rb_policy rebuild_entries;	/* RB_SMALL unless --rebuild-entries= */
	bool shared, deps_only, patch, explain;
	const char *output, *base;
	struct argv_list flags;	/* everything else, to every clang step */
	struct argv_list cppflags;	/* -MD, -MF, ... : preprocessing only */
	struct argv_list parseflags;	/* language flags for the parser */
	struct input *in;
	int nin;
	char tmpdir[PATH_MAX];
	const char *clang;
	bool has_md, has_mf, has_mt;
} opt;

static void usage(void)
{
	fprintf(stderr,
		"usage: upstare-cc [cc options] FILE...\n"
		"       upstare-cc --dump-meta BINARY\n"
		"       upstare-cc --patch --base BINARY -o PATCH.so [cc options] NEWSRC... [XFORM.c]\n"
		"Builds updateable programs: a drop-in replacement for cc.\n"
		"  --keep                keep the instrumented source beside each object (NAME.upstare.c)\n"
		"  --allow-unsupported   compile functions with unsupported constructs uninstrumented\n"
		"  --all-points          an update point at every function's entry and a continuation\n"
		"                        point after every call, even where no thread can park\n"
		"  --no-records          save code at every continuation point, instead of the\n"
		"                        stack-map records the runtime reads (--records, default)\n"
		"  --rebuild-entries=small|all|none\n"
		"                        which functions get a copy that restores frames, so that\n"
		"                        the function itself has no restore at entry (small:\n"
		"                        default; instrumentor.rst, \"Rebuild entries\")\n"
		"  -v                    show each step (also UPSTARE_CC_VERBOSE=1)\n"
		"  --dump-meta BINARY    print a binary's .upstare metadata as JSON\n"
		"  --patch --base BASE   build a live-update patch from the new version's sources\n"
		"                        for the program (or last patch) BASE\n"
		"  --explain             with --patch: how each global whose type changed is\n"
		"                        converted, field by field\n"
		"Environment: UPSTARE_CLANG (default clang-19), UPSTARE_LIBDIR.\n");
}

static const char *objcopy(void)
{
	const char *e = getenv("UPSTARE_OBJCOPY");

	return e && *e ? e : "llvm-objcopy-19";
}

/*
 * Push to a (an argv) an objcopy option renaming sym to __upstare_w_NAME
 * when it is an undefined global symbol that names a wrapped call
 * (libcalls.c); 0, so that elf_symbols() goes on.
 */
static int wrapped_call(void *a, const GElf_Sym *sym, const char *name)
{
	struct sb b = { 0 };

	if (sym->st_shndx != SHN_UNDEF || GELF_ST_BIND(sym->st_info) == STB_LOCAL ||
	    wrapped_symbol(name) == WRAP_NONE)
		return 0;
	sb_printf(&b, "--redefine-sym=%s=__upstare_w_%s", name, name);
	argv_list_push(a, b.s);
	sb_free(&b);
	return 0;
}

/*
 * Rename the object's calls to the wrapped functions.  A function of the
 * same name that the program defines itself keeps its name (it is no
 * undefined symbol), and library code linked into the same program keeps
 * the real functions.
 */
static int redirect_wrapped(const char *obj)
{
	struct argv_list a = { 0 };
	int fd, n;
	Elf *e = elf_open_read(obj, &fd);

	if (fd < 0)
		return 1;
	argv_list_push(&a, objcopy());
	if (e)
		elf_symbols(e, SHT_SYMTAB, wrapped_call, &a);
	n = a.n - 1;
	elf_close(e, fd);
	if (!n)
		return 0;
	argv_list_push(&a, obj);
	return cmd_run(&a);
}

static bool ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && !strcmp(s + a - b, suf);
}

static bool is_c_source(const struct input *in)
{
	if (in->lang)
		return !strcmp(in->lang, "c") || !strcmp(in->lang, "cpp-output");
	return ends_with(in->path, ".c") || ends_with(in->path, ".i");
}

/* Flags that change how the parser reads the preprocessed text. */
static bool is_parse_flag(const char *a)
{
	static const char *const exact[] = {
		"-ansi", "-m32", "-m64", "-mx32", "-fms-extensions", "-fgnu89-inline",
		"-funsigned-char", "-fsigned-char", "-fshort-enums", "-fshort-wchar",
		"-fno-signed-char", "-fno-unsigned-char", "-fblocks", NULL,
	};

	if (!strncmp(a, "-std=", 5) || !strncmp(a, "--target=", 9) ||
	    !strncmp(a, "-fpack-struct", 13))
		return true;
	for (int i = 0; exact[i]; i++)
		if (!strcmp(a, exact[i]))
			return true;
	return false;
}

/* Options that take the next argument as their value. */
static bool takes_value(const char *a)
{
	static const char *const v[] = {
		"-I", "-D", "-U", "-L", "-include", "--include", "-imacros", "--imacros",
		"-isystem", "-iquote", "-idirafter", "-iprefix", "-iwithprefix", "-isysroot",
		"-Xlinker", "-Xassembler", "-Xpreprocessor", "-target", "-T", "-z", "-u", "-e",
		"-arch", NULL,
	};

	for (int i = 0; v[i]; i++)
		if (!strcmp(a, v[i]))
			return true;
	return false;
}

/*
 * -include FILE and -imacros FILE, as clang spells them (also -includeFILE,
 * --include FILE, --include=FILE): 2 when FILE is the next argument, 1
 * when it is joined, 0 for any other argument (-include-pch is not one).
 */
static int forced_include(const char *a)
{
	static const char *const sep[] = { "-include", "--include", "-imacros", "--imacros", NULL };
	static const char *const joined[] = { "-include", "-imacros", "--include=", "--imacros=",
					      NULL };

	for (int i = 0; sep[i]; i++)
		if (!strcmp(a, sep[i]))
			return 2;
	for (int i = 0; joined[i]; i++)
		if (!strncmp(a, joined[i], strlen(joined[i])) && strcmp(a, "-include-pch"))
			return 1;
	return 0;
}

/*
 * The flags of the compile of the instrumented text: all but the forced
 * includes.  The preprocessing step read them, and the text holds what they
 * gave: their declarations (a second copy is a redefinition) and their
 * macros expanded (defined again, one the source #undef'd would expand
 * where the source uses its name).
 */
static void av_append_compile_flags(struct argv_list *a)
{
	for (int i = 0; i < opt.flags.n; i++) {
		const char *f = opt.flags.v[i];
		int n = forced_include(f);

		if (n) {
			i += n - 1;
			continue;
		}
		argv_list_push(a, f);
		if (takes_value(f) && i + 1 < opt.flags.n)
			argv_list_push(a, opt.flags.v[++i]);	/* "-D -include" defines a macro */
	}
}

static int parse_args(int argc, char **argv)
{
	char *lang = NULL;

	for (int i = 1; i < argc; i++) {
		char *a = argv[i];

		if (!strcmp(a, "-c")) {
			opt.compile_only = true;
		} else if (!strcmp(a, "-S")) {
			opt.assemble_only = true;
		} else if (!strcmp(a, "-E")) {
			opt.preprocess_only = true;
		} else if (!strcmp(a, "-o") && i + 1 < argc) {
			opt.output = argv[++i];
		} else if (!strncmp(a, "-o", 2) && a[2]) {
			opt.output = a + 2;
		} else if (!strcmp(a, "-v")) {
			cmd_verbose = true;
		} else if (!strcmp(a, "--keep")) {
			opt.keep = true;
		} else if (!strcmp(a, "--patch")) {
			opt.patch = true;
		} else if (!strcmp(a, "--explain")) {
			opt.explain = true;
		} else if (!strcmp(a, "--base") && i + 1 < argc) {
			opt.base = argv[++i];
		} else if (!strcmp(a, "--allow-unsupported")) {
			opt.allow_unsupported = true;
		} else if (!strcmp(a, "--all-points")) {
			opt.all_points = true;
		} else if (!strcmp(a, "--records")) {
			opt.no_records = false;
		} else if (!strcmp(a, "--no-records")) {
			opt.no_records = true;
		} else if (!strncmp(a, "--rebuild-entries=", 18)) {
			if (!strcmp(a + 18, "none"))
				opt.rebuild_entries = RB_NONE;
			else if (!strcmp(a + 18, "small"))
				opt.rebuild_entries = RB_SMALL;
			else if (!strcmp(a + 18, "all"))
				opt.rebuild_entries = RB_ALL;
			else {
				fprintf(stderr, "upstare-cc: %s: expected none, small or all\n", a);
				return 1;
			}
		} else if (!strcmp(a, "-x") && i + 1 < argc) {
			lang = strcmp(argv[i + 1], "none") ? argv[i + 1] : NULL;
			i++;
		} else if (!strncmp(a, "-x", 2) && a[2]) {
			lang = strcmp(a + 2, "none") ? a + 2 : NULL;
		} else if (!strcmp(a, "-MD") || !strcmp(a, "-MMD") || !strcmp(a, "-MP")) {
			opt.has_md |= strcmp(a, "-MP") != 0;
			argv_list_push(&opt.cppflags, a);
		} else if ((!strcmp(a, "-MF") || !strcmp(a, "-MT") || !strcmp(a, "-MQ")) &&
			   i + 1 < argc) {
			opt.has_mf |= !strcmp(a, "-MF");
			opt.has_mt |= strcmp(a, "-MF") != 0;
			argv_list_push(&opt.cppflags, a);
			argv_list_push(&opt.cppflags, argv[++i]);
		} else if (!strcmp(a, "-M") || !strcmp(a, "-MM")) {
			opt.deps_only = true;
			argv_list_push(&opt.flags, a);
		} else if (!strncmp(a, "-l", 2) || !strncmp(a, "-Wl,", 4)) {
			opt.in = xrealloc(opt.in, (opt.nin + 1) * sizeof(*opt.in));
			opt.in[opt.nin++] = (struct input){ .path = xstrdup(a), .is_flag = true };
		} else if (a[0] == '-' && a[1]) {
			if (!strcmp(a, "-shared"))
				opt.shared = true;
			argv_list_push(&opt.flags, a);
			if (is_parse_flag(a))
				argv_list_push(&opt.parseflags, a);
			if (takes_value(a) && i + 1 < argc) {
				/* the target sets the sizes of types the parse sees */
				if (!strcmp(a, "-target")) {
					argv_list_push(&opt.parseflags, a);
					argv_list_push(&opt.parseflags, argv[i + 1]);
				}
				argv_list_push(&opt.flags, argv[++i]);
			}
		} else {
			struct input in = { .path = xstrdup(a), .lang = lang ? xstrdup(lang) : NULL };

			in.is_source = is_c_source(&in);
			opt.in = xrealloc(opt.in, (opt.nin + 1) * sizeof(*opt.in));
			opt.in[opt.nin++] = in;
		}
	}
	return 0;
}

/* Hand the whole command to clang: no C to instrument. */
static int passthrough(int argc, char **argv)
{
	struct argv_list a = { 0 };

	argv_list_push(&a, opt.clang);
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--keep") && strcmp(argv[i], "--allow-unsupported") &&
		    strcmp(argv[i], "--all-points") && strcmp(argv[i], "--records") &&
		    strcmp(argv[i], "--no-records") && strncmp(argv[i], "--rebuild-entries=", 18))
			argv_list_push(&a, argv[i]);
	return cmd_run(&a);
}

static char *replace_ext(const char *path, const char *ext)
{
	char *base = xstrdup(path), *dot = strrchr(base, '.'), *slash = strrchr(base, '/');
	struct sb b = { 0 };

	if (dot && (!slash || dot > slash))
		*dot = 0;
	sb_printf(&b, "%s%s", base, ext);
	free(base);
	return b.s;
}

static char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return xstrdup(s ? s + 1 : path);
}

static const char *libdir(void)
{
	static char dir[PATH_MAX + 32];
	char exe[PATH_MAX];
	const char *env = getenv("UPSTARE_LIBDIR");
	ssize_t n;
	struct stat st;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n < 0)
		return "/usr/local/lib/upstare";
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s/../lib", dirname(exe));
	{
		char probe[PATH_MAX + 64];

		snprintf(probe, sizeof(probe), "%s/libupstare.a", dir);
		if (stat(probe, &st)) {
			n = strlen(dir);
			snprintf(dir + n, sizeof(dir) - n, "/upstare");
		}
	}
	return dir;
}

/* Where upstare.h is: beside the tools (build tree or installed prefix). */
static void add_include_dir(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n < 0)
		return;
	exe[n] = 0;
	snprintf(dir, sizeof(dir), "%s/../include", dirname(exe));
	argv_list_push(&opt.flags, "-idirafter");
	argv_list_push(&opt.flags, dir);
}

/*
 * Objects for patches from the program's own build system: every object
 * upstare-cc compiles carries, in section .upstare_src, what a patch needs
 * to build it again: its preprocessed source, the name of the file it came
 * from (statics are named after it) and the compiler's flags.  So that
 * `make CC=upstare-cc` builds the new version's objects and
 * `upstare-cc --patch --base OLD -o P.so *.o` makes the patch of them (a
 * patch's objects are position-independent and describe static functions
 * too, which a program's need not).  The section is SHF_EXCLUDE: the
 * linker leaves it out of programs and libraries.
 * Layout: NUL-terminated strings: SRC_MAGIC, the source's name, the number
 * of flags, the flags, the number of parser flags, those; then the
 * preprocessed source.
 */
#define SRC_SECTION ".upstare_src"
#define SRC_MAGIC "upstare-src/1"

static void put_strings(FILE *f, const struct argv_list *a)
{
	fprintf(f, "%d%c", a->n, 0);
	for (int i = 0; i < a->n; i++)
		fprintf(f, "%s%c", a->v[i], 0);
}

static int embed_source(const struct input *in, const char *ipath, const char *obj)
{
	char path[PATH_MAX + 16], buf[65536];
	struct argv_list a = { 0 };
	struct sb sect = { 0 };
	FILE *f, *src;
	size_t n;
	int err;

	snprintf(path, sizeof(path), "%s/src-section", opt.tmpdir);
	f = fopen(path, "w");
	src = fopen(ipath, "r");
	if (!f || !src) {
		fprintf(stderr, "upstare-cc: %s: %s\n", f ? ipath : path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	fprintf(f, "%s%c%s%c", SRC_MAGIC, 0, in->srcname ? in->srcname : in->path, 0);
	put_strings(f, &opt.flags);
	put_strings(f, &opt.parseflags);
	while ((n = fread(buf, 1, sizeof(buf), src)) > 0)
		fwrite(buf, 1, n, f);
	fclose(src);
	if (fclose(f)) {
		fprintf(stderr, "upstare-cc: %s: %s\n", path, strerror(errno));
		return 1;
	}
	sb_printf(&sect, "%s=%s", SRC_SECTION, path);
	argv_list_push(&a, objcopy());
	argv_list_push(&a, "--add-section");
	argv_list_push(&a, sect.s);
	argv_list_push(&a, "--set-section-flags");
	argv_list_push(&a, SRC_SECTION "=exclude");
	argv_list_push(&a, obj);
	err = cmd_run(&a);
	sb_free(&sect);
	return err < 0 ? 1 : err;
}

static int compile_one(struct input *in, const char *obj);

/* The contents of section name of ELF object e (malloc'd), or NULL. */
static char *elf_section_copy(Elf *e, const char *name, size_t *len)
{
	Elf_Data *d;
	char *data;

	if (!elf_section(e, name, &d) || !d)
		return NULL;
	data = xrealloc(NULL, d->d_size + 1);
	memcpy(data, d->d_buf, d->d_size);
	data[d->d_size] = 0;
	*len = d->d_size;
	return data;
}

/* Read the strings put_strings() wrote at *p (bounded by end) into a. */
static bool get_strings(const char **p, const char *end, struct argv_list *a)
{
	int n = *p < end ? atoi(*p) : -1;

	for (*p += strnlen(*p, end - *p) + 1; n > 0 && *p < end; n--) {
		argv_list_push(a, *p);
		*p += strnlen(*p, end - *p) + 1;
	}
	return n == 0 && *p <= end;
}

/*
 * One object of the new version given to --patch (what names it: the
 * object, or archive(member)): compiled again for the patch from the source
 * it carries (see embed_source), its object's path pushed on out.  Objects
 * without .upstare metadata (transformers built by another compiler) are
 * linked as they are; an upstare-cc object without its source is refused.
 */
static int compile_member(Elf *e, const char *what, struct argv_list *out)
{
	static int nobj;
	size_t len = 0;
	char *sect = elf_section_copy(e, SRC_SECTION, &len), ipath[PATH_MAX + 32];
	struct argv_list flags = opt.flags, parseflags = opt.parseflags;
	const char *p = sect, *end = sect + len, *srcname;
	struct input in = { 0 };
	struct sb o = { 0 };
	FILE *f;
	int err;

	if (!sect) {
		if (!elf_section(e, UPMETA_SECTION, NULL))
			return 0;
		fprintf(stderr, "upstare-cc: %s: an upstare-cc object without its source (section "
			SRC_SECTION "): compile it again with this upstare-cc to put it in a patch\n",
			what);
		return 1;
	}
	opt.flags = (struct argv_list){ 0 };
	opt.parseflags = (struct argv_list){ 0 };
	srcname = p + strlen(SRC_MAGIC) + 1;
	if (len < strlen(SRC_MAGIC) + 1 || strcmp(p, SRC_MAGIC) || srcname >= end ||
	    (p = srcname + strnlen(srcname, end - srcname) + 1) > end ||
	    !get_strings(&p, end, &opt.flags) || !get_strings(&p, end, &opt.parseflags)) {
		fprintf(stderr, "upstare-cc: %s: section " SRC_SECTION " is not one this "
			"upstare-cc wrote (%s expected)\n", what, SRC_MAGIC);
		err = 1;
		goto out;
	}
	snprintf(ipath, sizeof(ipath), "%s/embedded-%d.i", opt.tmpdir, nobj);
	f = fopen(ipath, "w");
	if (!f || fwrite(p, 1, end - p, f) != (size_t)(end - p) || fclose(f)) {
		fprintf(stderr, "upstare-cc: %s: %s\n", ipath, strerror(errno));
		err = 1;
		goto out;
	}
	in.path = ipath;
	in.lang = "cpp-output";
	in.is_source = true;
	in.srcname = srcname;
	sb_printf(&o, "%s/embedded-%d.o", opt.tmpdir, nobj++);
	err = compile_one(&in, o.s);
	if (!err)
		argv_list_push(out, o.s);
out:
	sb_free(&o);
	opt.flags = flags;
	opt.parseflags = parseflags;
	free(sect);
	return err;
}

/*
 * The objects --patch compiles again from an object or a static library
 * of the new version (a dependency built with upstare-cc, as libevent.a:
 * every member of it, since any of its functions may be on a stack).
 */
static int compile_embedded(const char *path, struct argv_list *out)
{
	int fd, err = 0;
	Elf *ar = elf_open_read(path, &fd), *e;

	if (fd < 0)
		return 1;
	if (ar && elf_kind(ar) == ELF_K_AR) {
		while (!err && (e = elf_begin(fd, ELF_C_READ, ar))) {
			Elf_Arhdr *h = elf_getarhdr(e);
			struct sb what = { 0 };

			if (h && h->ar_name[0] != '/') {
				sb_printf(&what, "%s(%s)", path, h->ar_name);
				err = compile_member(e, what.s, out);
				sb_free(&what);
			}
			elf_next(e);
			elf_end(e);
		}
	} else if (ar) {
		err = compile_member(ar, path, out);
	}
	elf_close(ar, fd);
	return err;
}

/*
 * Saves as stack-map records (records.c), unless --no-records, or the
 * output is not an object whose maps upstare-cc can check and rename:
 * assembly (-S), IR (-emit-llvm), or an LTO object (-flto), whose code is
 * generated at link time.  Those get the save code.
 */
static bool use_records(void)
{
	if (opt.no_records || opt.assemble_only)
		return false;
	for (int i = 0; i < opt.flags.n; i++)
		if (!strcmp(opt.flags.v[i], "-emit-llvm") ||
		    !strncmp(opt.flags.v[i], "-flto", 5))
			return false;
	return true;
}

/* clang: compile the instrumented code at path (language lang) into out. */
static int compile_c(const char *path, const char *lang, const char *out, const char *mode,
		     const char *extra)
{
	struct argv_list a = { 0 };

	argv_list_push(&a, opt.clang);
	argv_list_push(&a, mode);
	if (extra) {
		argv_list_push(&a, "-emit-llvm");
		argv_list_push(&a, "-Xclang");
		argv_list_push(&a, extra);
	}
	argv_list_push(&a, "-Qunused-arguments");
	av_append_compile_flags(&a);
	argv_list_push(&a, "-w");
	argv_list_push(&a, "-fno-omit-frame-pointer");
	argv_list_push(&a, "-mno-omit-leaf-frame-pointer");
	/*
	 * Keep a value in a callee-saved register only where it pays: the
	 * values the cold update paths hold across their calls would otherwise
	 * take callee-saved registers, whose saving at entry stops the
	 * prologue from being shrink-wrapped past a function's early exits
	 * (bzip2's mainGtU: 176 M instructions to 106 M with a rebuild entry).
	 */
	argv_list_push(&a, "-mllvm");
	argv_list_push(&a, "-regalloc-csr-first-time-cost=100");
	if (opt.patch)
		argv_list_push(&a, "-fPIC");
	argv_list_push(&a, "-x");
	argv_list_push(&a, lang);
	argv_list_push(&a, path);
	argv_list_push(&a, "-o");
	argv_list_push(&a, out);
	return cmd_run(&a);
}

/*
 * Saves as records (the default; instrumentor.rst): through clang's IR,
 * where records.c makes the saves statepoints, then as any other IR file
 * (the same flags, so the same code).
 */
static int compile_records(const char *cpath, const char *obj)
{
	char *bc = replace_ext(cpath, ".bc"), *msg;
	int err;

	err = compile_c(cpath, "c", bc, "-c", "-disable-llvm-passes");
	if (!err && records_lower(bc, &msg)) {
		fprintf(stderr, "upstare-cc: %s: %s\n", bc, msg);
		free(msg);
		err = 1;
	}
	if (!err)
		err = compile_c(bc, "ir", obj, "-c", NULL);
	if (!err) {
		int r = records_check(obj);

		err = r < 0;
		if (r > 0) {
			/* writable: the maps hold absolute addresses (no text relocation) */
			struct argv_list a = { 0 };

			argv_list_push(&a, objcopy());
			argv_list_push(&a, "--rename-section=.llvm_stackmaps=" REC_SECTION
					   ",alloc,load,contents");
			argv_list_push(&a, obj);
			err = cmd_run(&a);
		}
	}
	if (!opt.keep)
		unlink(bc);
	free(bc);
	return err;
}

/* Preprocess, instrument and compile one source into obj (or asm with -S). */
static int compile_one(struct input *in, const char *obj)
{
	struct argv_list a = { 0 }, p = { 0 };
	char *base = base_name(in->path), *ipath, *cpath;
	struct sb b = { 0 };
	struct instr_opts io = { 0 };
	int err;

	sb_printf(&b, "%s/%s", opt.tmpdir, base);
	ipath = replace_ext(b.s, ".i");
	sb_free(&b);
	if (opt.keep) {
		char *dir = xstrdup(obj);
		/* beside the object, or in the current directory for a temporary one */
		const char *d = strncmp(obj, opt.tmpdir, strlen(opt.tmpdir)) ? dirname(dir) : ".";

		sb_printf(&b, "%s/%s", d, base);
		cpath = replace_ext(b.s, ".upstare.c");
		free(dir);
	} else {
		sb_printf(&b, "%s/%s", opt.tmpdir, base);
		cpath = replace_ext(b.s, ".upstare.c");
	}
	sb_free(&b);

	if (ends_with(in->path, ".i") || (in->lang && !strcmp(in->lang, "cpp-output"))) {
		free(ipath);
		ipath = xstrdup(in->path);
	} else {
		argv_list_push(&a, opt.clang);
		argv_list_push(&a, "-E");
		argv_list_push(&a, "-Qunused-arguments");
		av_append(&a, &opt.flags);
		if (opt.has_md) {
			av_append(&a, &opt.cppflags);
			if (!opt.has_mf) {
				char *d = replace_ext(obj, ".d");

				argv_list_push(&a, "-MF");
				argv_list_push(&a, d);
				free(d);
			}
			if (!opt.has_mt) {
				argv_list_push(&a, "-MT");
				argv_list_push(&a, obj);
			}
		}
		argv_list_push(&a, "-x");
		argv_list_push(&a, "c");
		argv_list_push(&a, in->path);
		argv_list_push(&a, "-o");
		argv_list_push(&a, ipath);
		err = cmd_run(&a);
		if (err)
			return err < 0 ? 1 : err;
		a.n = 0;
	}

	argv_list_push(&p, "-x");
	argv_list_push(&p, "cpp-output");
	av_append(&p, &opt.parseflags);
	io.input = ipath;
	io.srcname = in->srcname ? in->srcname : in->path;
	io.output = cpath;
	io.args = (const char *const *)p.v;
	io.nargs = p.n;
	io.allow_unsupported = opt.allow_unsupported;
	io.register_all = opt.patch;
	io.all_points = opt.all_points;
	io.records = use_records();
	io.rebuild_entries = opt.rebuild_entries;
	if (cmd_verbose)
		fprintf(stderr, "upstare-cc: instrument %s -> %s\n", ipath, cpath);
	err = instrument_file(&io);
	if (err)
		return err;

	if (io.records && compile_records(cpath, obj)) {
		/*
		 * clang could not compile the records (llc's register allocator
		 * can run out of registers on a statepoint): the saves as code,
		 * which any C compiler compiles.
		 */
		fprintf(stderr, "upstare-cc: %s: the saves as records did not compile; "
			"compiling them as code (--no-records)\n", io.srcname);
		io.records = false;
		err = instrument_file(&io);
		if (err)
			return err;
	}
	if (!io.records)
		err = compile_c(cpath, "c", obj, opt.assemble_only ? "-S" : "-c", NULL);
	if (!err && !opt.assemble_only)
		err = redirect_wrapped(obj);
	if (!err && !opt.assemble_only && !opt.patch)
		err = embed_source(in, ipath, obj);
	free(base);
	free(ipath);
	free(cpath);
	return err < 0 ? 1 : err;
}

static int do_link(char **objs)
{
	struct argv_list a = { 0 };
	char lib[PATH_MAX + 64];

	argv_list_push(&a, opt.clang);
	argv_list_push(&a, "-Qunused-arguments");
	av_append(&a, &opt.flags);
	for (int i = 0; i < opt.nin; i++)
		argv_list_push(&a, objs[i] ? objs[i] : opt.in[i].path);
	if (!opt.shared) {
		snprintf(lib, sizeof(lib), "%s/libupstare.a", libdir());
		/* the wrappers, which the program may not call but a patch may */
		argv_list_push(&a, "-Wl,-u,upstare__wrappers");
		argv_list_push(&a, lib);
		argv_list_push(&a, "-pthread");
		argv_list_push(&a, "-Wl,--export-dynamic");
	}
	argv_list_push(&a, "-Wl,--build-id=sha1");
	/*
	 * The metadata's pointers are relative relocations, one per pointer:
	 * packed (DT_RELR, glibc 2.36), sqlite3's 2.7 MB of .rela.dyn take
	 * 38 KB.
	 */
	argv_list_push(&a, "-Wl,-z,pack-relative-relocs");
	argv_list_push(&a, "-o");
	argv_list_push(&a, opt.output ? opt.output : "a.out");
	return cmd_run(&a);
}

static int build_patch(char **objs, const struct argv_list *embedded)
{
	struct patch_opts po = { 0 };

	po.base = opt.base;
	po.output = opt.output;
	po.clang = opt.clang;
	po.objcopy = objcopy();
	po.tmpdir = opt.tmpdir;
	po.explain = opt.explain;
	po.flags = opt.flags.v;
	po.nflags = opt.flags.n;
	int total = opt.nin + 1;

	for (int i = 0; i < opt.nin; i++)
		total += embedded[i].n;
	po.objs = calloc(total, sizeof(char *));
	for (int i = 0; i < opt.nin; i++) {
		for (int j = 0; j < embedded[i].n; j++)
			po.objs[po.nobjs++] = embedded[i].v[j];
		/* an object compiled again leaves; an archive stays for its other members */
		if (objs[i] || (!opt.in[i].is_flag &&
				!(embedded[i].n && ends_with(opt.in[i].path, ".o"))))
			po.objs[po.nobjs++] = objs[i] ? objs[i] : opt.in[i].path;
	}
	return patch_link(&po);
}

static void cleanup_tmp(void)
{
	char cmd[PATH_MAX + 16];

	if (!opt.tmpdir[0])
		return;
	snprintf(cmd, sizeof(cmd), "%s", opt.tmpdir);
	{
		struct argv_list a = { 0 };

		argv_list_push(&a, "rm");
		argv_list_push(&a, "-rf");
		argv_list_push(&a, cmd);
		bool v = cmd_verbose;

		cmd_verbose = false;
		cmd_run(&a);
		cmd_verbose = v;
	}
}

int main(int argc, char **argv)
{
	int nsrc = 0, err = 0;
	char **objs;
	const char *e = getenv("UPSTARE_CC_VERBOSE");

	opt.clang = getenv("UPSTARE_CLANG") && *getenv("UPSTARE_CLANG") ?
		    getenv("UPSTARE_CLANG") : "clang-19";
	cmd_verbose = e && *e && strcmp(e, "0");
	opt.rebuild_entries = RB_SMALL;
	if (argc == 3 && !strcmp(argv[1], "--dump-meta"))
		return dump_meta(argv[2]);
	if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		usage();
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "--version")) {
		printf("upstare-cc (UpStare) %s\n", VERSION);
		fflush(stdout);
		return passthrough(argc, argv);
	}
	if (parse_args(argc, argv))
		return 1;
	add_include_dir();
	if (opt.patch && (!opt.base || !opt.output || opt.compile_only || opt.assemble_only)) {
		fprintf(stderr, "upstare-cc: --patch needs --base BINARY and -o PATCH.so, "
			"and builds the whole patch at once (no -c or -S): from the new "
			"version's sources, or from its objects as upstare-cc -c made them\n");
		return 1;
	}
	for (int i = 0; i < opt.nin; i++)
		nsrc += opt.in[i].is_source;
	if (!nsrc || opt.preprocess_only || opt.deps_only) {
		if (!opt.nin && argc == 1) {
			usage();
			return 1;
		}
		if (opt.compile_only || opt.assemble_only || opt.preprocess_only ||
		    opt.deps_only || !opt.nin)
			return passthrough(argc, argv);
	}
	if ((opt.compile_only || opt.assemble_only) && opt.output && nsrc > 1) {
		fprintf(stderr, "upstare-cc: cannot specify -o with -c or -S and several sources\n");
		return 1;
	}
	snprintf(opt.tmpdir, sizeof(opt.tmpdir), "%s/upstare-cc.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(opt.tmpdir)) {
		fprintf(stderr, "upstare-cc: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	atexit(cleanup_tmp);

	objs = calloc(opt.nin + 1, sizeof(char *));
	for (int i = 0; i < opt.nin && !err; i++) {
		struct input *in = &opt.in[i];

		if (!in->is_source)
			continue;
		if (opt.compile_only || opt.assemble_only) {
			char *b = base_name(in->path);

			objs[i] = opt.output ? xstrdup(opt.output) :
				  replace_ext(b, opt.assemble_only ? ".s" : ".o");
			free(b);
		} else {
			char *b = base_name(in->path);
			struct sb p = { 0 };

			sb_printf(&p, "%s/%d-%s", opt.tmpdir, i, b);
			objs[i] = replace_ext(p.s, ".o");
			sb_free(&p);
			free(b);
		}
		err = compile_one(in, objs[i]);
	}
	if (err)
		return err;
	if (opt.patch) {
		/* emb[i]: the objects compiled again from input i */
		struct argv_list *emb = calloc(opt.nin + 1, sizeof(*emb));

		for (int i = 0; i < opt.nin && !err; i++)
			if (!opt.in[i].is_source && !opt.in[i].is_flag &&
			    (ends_with(opt.in[i].path, ".o") || ends_with(opt.in[i].path, ".a")))
				err = compile_embedded(opt.in[i].path, &emb[i]);
		return err ? err : build_patch(objs, emb);
	}
	if (opt.compile_only || opt.assemble_only) {
		/* non-C inputs of a compile-only step (.s, .S) go to clang */
		for (int i = 0; i < opt.nin; i++)
			if (!opt.in[i].is_source && !opt.in[i].is_flag) {
				struct argv_list a = { 0 };

				argv_list_push(&a, opt.clang);
				argv_list_push(&a, opt.assemble_only ? "-S" : "-c");
				av_append(&a, &opt.flags);
				argv_list_push(&a, opt.in[i].path);
				if (opt.output) {
					argv_list_push(&a, "-o");
					argv_list_push(&a, opt.output);
				}
				err = cmd_run(&a);
				if (err)
					return err;
			}
		return 0;
	}
	return do_link(objs);
}
