/* upstare-test: args="alpha beta" status=3 */
// SPDX-License-Identifier: GPL-2.0
/*
 * Parameters declared with array types, which C adjusts to pointers:
 * main(int argc, char *argv[]), int a[], const int m[][3], int a[10], and
 * a parameter that is a function type (adjusted to a pointer to function).
 * A va_list parameter (an array type on x86-64) handed on to a program
 * function and to vfprintf.  Their frame slots hold pointers, not arrays.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int sum(int n, const int a[])
{
	int s = 0;

	while (n--)
		s += a[n];
	return s;
}

static int diag(int n, const int m[][3])
{
	int s = 0;

	for (int i = 0; i < n; i++)
		s += m[i][i];
	return s;
}

static int first_of_ten(int a[10])
{
	a[0] += sum(3, a + 1);
	return a[0];
}

static int apply(int f(int), int v)
{
	return f(f(v));
}

static int twice(int v)
{
	return v * 2;
}

static int next_int(va_list ap)
{
	return va_arg(ap, int);
}

static int vreport(const char *fmt, va_list ap)
{
	int first = next_int(ap), second = twice(next_int(ap));

	printf("%d %d: ", first, second);
	return vfprintf(stdout, fmt, ap);
}

static int report(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vreport(fmt, ap);
	va_end(ap);
	return n;
}

int main(int argc, char *argv[])
{
	int v[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	const int m[3][3] = { { 1, 2, 3 }, { 4, 5, 6 }, { 7, 8, 9 } };
	size_t len = 0;

	for (int i = 1; i < argc; i++)
		len += strlen(argv[i]);
	printf("%d %d %d %d %zu %s\n", sum(10, v), diag(3, m), first_of_ten(v), apply(twice, 5),
	       len, argv[argc - 1]);
	report("%s %d\n", 4, 5, "va", apply(twice, argc));
	return argc;
}
