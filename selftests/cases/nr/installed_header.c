// SPDX-License-Identifier: GPL-2.0
/*
 * A library's header reached by its path under /usr/include instead of
 * through a system include directory (as -I/usr/include/tcl8.6 reaches
 * Tcl's): clang calls it a user header, but its functions are the
 * library's, so a function handed to one is a callback.  Before, SQLite's
 * testfixture had its Tcl commands rebuilt through Tcl's own frames.
 */
// expect-nr: on_print
// expect-rebuildable: main count
#include "/usr/include/bpf/libbpf.h"

static int printed;

static int count(void)
{
	return ++printed;
}

static int on_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	(void)level, (void)fmt, (void)ap;
	return count();
}

int main(void)
{
	libbpf_set_print(on_print);
	return (int)libbpf_major_version() + count() > 100;
}
