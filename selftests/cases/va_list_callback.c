// SPDX-License-Identifier: GPL-2.0
/*
 * A function with a va_list parameter passed by name to a function of the
 * program (a logger's print hook, as libbpf's libbpf_set_print() takes
 * one): the argument's temporary must have the pointer's type, which
 * spelled out names va_list's record as a new one.
 */
#include <stdarg.h>
#include <stdio.h>

typedef int (*print_fn)(const char *fmt, va_list ap);

static print_fn current;
static int lines;

static int to_stdout(const char *fmt, va_list ap)
{
	lines++;
	return vprintf(fmt, ap);
}

static int counted(const char *fmt, va_list ap)
{
	char buf[64];

	lines += 2;
	return vsnprintf(buf, sizeof(buf), fmt, ap);
}

static print_fn set_print(print_fn fn)
{
	print_fn old = current;

	current = fn;
	return old;
}

static int say(const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = current(fmt, ap);
	va_end(ap);
	return r;
}

int main(void)
{
	int total = 0;

	for (int i = 0; i < 50; i++) {
		print_fn old = set_print(i % 2 ? to_stdout : counted);

		total += say("line %d of %s\n", i, old == to_stdout ? "stdout" : "counted");
	}
	printf("total=%d lines=%d\n", total, lines);
	return 0;
}
