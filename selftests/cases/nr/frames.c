// SPDX-License-Identifier: GPL-2.0
/*
 * Frames that cannot be rebuilt: a variable-length array, a pointer to
 * one, alloca, setjmp, a variadic function, a variable with a cleanup and
 * its cleanup function.  _Generic and __builtin_choose_expr selecting
 * calls, and sizeof of a VLA type computed by a call, are linearized
 * instead: those functions stay reconstructible, as does a function
 * defined without a prototype, which is not variadic.
 */
// expect-nr: vla vm_ptr uses_alloca uses_setjmp variadic with_cleanup release
// expect-rebuildable: f generic choose vla_sizeof noproto main
#include <alloca.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>

static int f(int v)
{
	return v + 1;
}

static int vla(int n)
{
	int v[n];

	v[0] = f(n);
	return v[0];
}

static int vm_ptr(int n)
{
	int (*m)[n] = malloc(sizeof(int[2][n]));
	int r;

	m[1][0] = f(n);
	r = m[1][0];
	free(m);
	return r;
}

static int uses_alloca(int n)
{
	int *p = alloca(n * sizeof(int));

	p[0] = f(n);
	return p[0];
}

static int uses_setjmp(void)
{
	jmp_buf jb;

	if (setjmp(jb))
		return 1;
	return f(0);
}

static int variadic(int n, ...)
{
	va_list ap;
	int s = 0;

	va_start(ap, n);
	while (n--)
		s += f(va_arg(ap, int));
	va_end(ap);
	return s;
}

static void release(int **p)
{
	free(*p);
}

static int with_cleanup(void)
{
	int *__attribute__((cleanup(release))) p = malloc(sizeof(int));

	*p = f(1);
	return *p;
}

static int generic(long x)
{
	return _Generic(x, long: f(1), default: f(2));
}

static int choose(void)
{
	return __builtin_choose_expr(sizeof(int) == 4, f(3), f(4));
}

static unsigned long vla_sizeof(void)
{
	return sizeof(int[f(5)]);
}

static int noproto()
{
	return f(6);
}

int main(void)
{
	return noproto() + vla(2) + vm_ptr(2) + uses_alloca(2) + uses_setjmp() + variadic(1, 2) +
	       with_cleanup() + generic(1) + choose() + (int)vla_sizeof();
}
