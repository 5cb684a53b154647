// SPDX-License-Identifier: GPL-2.0
/*
 * Functions cast to the comparator type in a table, and the table's
 * entries handed to qsort through a variable (SQLite's test1.c registers
 * its Tcl commands so: "(Tcl_CmdProc *)test_exec" in a table, then a loop
 * of Tcl_CreateCommand): they are callbacks though their own type is not
 * the comparator's.  A function cast to a type that never reaches library
 * code, and one of the comparator's shape whose address is never taken,
 * stay reconstructible.
 */
// expect-nr: by_len by_first
// expect-rebuildable: main shown unused_cmp
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*cmp_fn)(const void *, const void *);
typedef void (*show_fn)(const void *);

static int by_len(const char **a, const char **b)
{
	return (int)strlen(*a) - (int)strlen(*b);
}

static int by_first(const char **a, const char **b)
{
	return **a - **b;
}

static void shown(const char *s)
{
	printf("%s\n", s);
}

static int unused_cmp(const void *a, const void *b)
{
	return a != b;
}

static const struct {
	const char *name;
	cmp_fn cmp;
} sorts[] = {
	{ "len", (cmp_fn)by_len },
	{ "first", (cmp_fn)&by_first },
};

int main(void)
{
	const char *v[] = { "ccc", "a", "bb" };
	show_fn show = (show_fn)shown;

	for (unsigned i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++) {
		qsort(v, 3, sizeof(v[0]), sorts[i].cmp);
		show(v[0]);
	}
	return unused_cmp(v, v);
}
