// SPDX-License-Identifier: GPL-2.0
/*
 * Small functions, the ones upstare-cc gives a rebuild entry by default
 * (instrumentor.rst, "Rebuild entries"): each is emitted as itself, with
 * no restore at entry, and as a copy that restores frames, which it
 * tail-calls while an update is pending (instr/ also builds it with
 * --rebuild-entries=all, a copy for every function that can have one).
 * Unwound at every update point, every frame of these is rebuilt through
 * the copy: void and valued functions, a parameter whose address a callee
 * keeps, a static local, recursion, calls through pointers, a struct
 * returned by value, an extern function; and those that keep the restore
 * at entry: one that names __func__ (the copy's would differ), a variadic
 * one, and ones with a struct parameter, in registers or in memory
 * (clang 19 miscompiles a musttail call passing the latter on).
 *	upstare-test: unwind=1
 */
#include <stdarg.h>
#include <stdio.h>

struct pair {
	long a, b;
};

struct big {
	long a[8];
};

static long total;

static void add(long v)
{
	for (int i = 0; i < 3; i++)
		total += v + i;
}

static int twice(int x)
{
	int r = 0;

	for (int i = 0; i < 2; i++)
		r += x;
	return r;
}

static void bump(int *p)
{
	for (int i = 0; i < 2; i++)
		(*p)++;
}

/* p's address is kept by bump: it lives on the side stack */
static int via_addr(int p)
{
	bump(&p);
	return p * 3;
}

static int counter(void)
{
	static int n;

	for (int i = 0; i < 1; i++)
		n++;
	return n;
}

static long fib(int n)
{
	if (n < 2)
		return n;
	return fib(n - 1) + fib(n - 2);
}

static struct pair swap(struct pair p)
{
	struct pair q = { p.b, p.a };

	for (int i = 0; i < 2; i++)
		q.a += i;
	return q;
}

/* passed in memory: no copy */
static long big_sum(struct big b, int n)
{
	long s = 0;

	for (int i = 0; i < n; i++)
		s += b.a[i % 8] * i;
	return s;
}

static struct pair mkpair(long a, int n)
{
	struct pair q = { a, 0 };

	for (int i = 0; i < n; i++)
		q.b += a * i;
	return q;
}

long ext_sum(const long *v, int n)
{
	long s = 0;

	for (int i = 0; i < n; i++)
		s += v[i];
	return s;
}

static const char *named(void)
{
	for (int i = 0; i < 1; i++)
		total++;
	return __func__;
}

static long vsum(int n, ...)
{
	va_list ap;
	long s = 0;

	va_start(ap, n);
	for (int i = 0; i < n; i++)
		s += va_arg(ap, long);
	va_end(ap);
	return s;
}

static int (*const ops[])(int) = { twice, via_addr };

int main(void)
{
	long v[5] = { 1, 2, 3, 4, 5 };
	struct pair p = { 7, 9 };
	struct big b = { { 1, 2, 3, 4, 5, 6, 7, 8 } };

	for (int k = 0; k < 4; k++) {
		add(k);
		p = swap(p);
		p.a += mkpair(k, k + 3).b;
		printf("%d %d %d %d %ld %ld %ld\n", twice(k), via_addr(k), ops[k & 1](k),
		       counter(), fib(k + 8), p.a, p.b);
	}
	printf("%ld %ld %s %ld %ld\n", total, ext_sum(v, 5), named(), vsum(3, 10L, 20L, 30L),
	       big_sum(b, 20));
	return 0;
}
