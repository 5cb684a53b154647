/* upstare-test: status=7 */
// SPDX-License-Identifier: GPL-2.0
/*
 * main calling itself (it is renamed, and so must its recursive calls
 * be), a call through a cast function pointer, a for loop whose init
 * declares a structure from a call and whose increment calls an inline
 * function, a function defined after its use, and an exit status.
 */
#include <stdio.h>
static int calls;
static int f(int v) { calls++; return v; }
static int (*fp)(int) = f;
struct pair { int a, b; };
static struct pair mkp(int v) { calls++; return (struct pair){ v, v * v }; }
static inline int twice(int v) { return f(v) * 2; }
static int later(int);
int main(int argc, char **argv)
{
	if (argc < 4) {
		char *nargv[] = { argv[0], "x", "y", "z", NULL };
		int r = main(argc + f(1), nargv);
		printf("depth %d r=%d calls=%d\n", argc, r, calls);
		return r + 1;
	}
	int s = ((int (*)(int))(void *)fp)(f(1)) + ((long (*)(int))0 ? 1 : 0);
	for (struct pair p = mkp(f(2)); p.a < 5; p = mkp(p.a + twice(1)))
		s += p.b + later(p.a);
	printf("s=%d calls=%d\n", s, calls);
	return s % 7;
}
static int later(int v) { return fp(v) - 1; }
