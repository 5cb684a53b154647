// SPDX-License-Identifier: GPL-2.0
/*
 * Loops that end by themselves within 1024 passes run as written, with no
 * update point (instrumentor.rst, "Loops that end by themselves"): each
 * loop here has a "do { } while (0)" macro in its body, so without a guard
 * it would poll on every pass.  The loops run 40 times with about 300
 * passes each (the guard holds) and then once with 2100 (it does not: the
 * loop polls on every pass); then two loops whose counters wrap and one
 * whose bound is read from memory, which are not guarded, run 1511, 1500
 * and 1510 passes.  At every update point the stack is unwound and
 * rebuilt: the short runs add no rebuild, the others one per pass, so the
 * count is the long passes (10 loops of 2100, two of 700 stepping by 3, 3
 * that stop early, the three unguarded ones) and the function entries
 * (about 700): 30453 at -O2.  Were no loop guarded, it would be 180029;
 * were the long run taken for a short one, about 5200; were the unguarded
 * loops guarded, 25931.
 *
 * upstare-test: unwind=1 rebuilds=29000-32000
 */
#include <stddef.h>
#include <stdio.h>

#define N	2600
#define SHORT	300
#define ROUNDS	40

/* a statement macro, as KissFFT's C_MUL */
#define MIX(acc, x) do { (acc) = (acc) * 31 + (unsigned)(x); } while (0)

static int v[N];

/* "do ... while (--m)" on an int parameter */
static unsigned do_predec(const int *p, int m)
{
	unsigned acc = 1;

	do {
		MIX(acc, *p);
		p++;
	} while (--m);
	return acc;
}

/* "while (k--)" on a size_t */
static unsigned while_postdec(const int *p, size_t k)
{
	unsigned acc = 2;

	while (k--) {
		MIX(acc, p[k]);
	}
	return acc;
}

/* "for (u = 0; u < m; ++u)", a continue */
static unsigned for_lt(const int *p, int m)
{
	unsigned acc = 3;
	int u;

	for (u = 0; u < m; ++u) {
		if (p[u] % 7 == 0)
			continue;
		MIX(acc, p[u] + u);
	}
	return acc;
}

/* the bound on the left, a pointer counter */
static unsigned for_ptr(const int *a, int n)
{
	const int *end = a + n;
	unsigned acc = 4;

	for (const int *q = a; end > q; q++)
		MIX(acc, *q);
	return acc;
}

/* "p != end", a break */
static unsigned for_ptr_ne(const int *a, int n, int stop)
{
	const int *end = a + n;
	unsigned acc = 5;

	for (const int *q = a; q != end; ++q) {
		if (*q == stop)
			break;
		MIX(acc, *q);
	}
	return acc;
}

/* counting down to "> 0", a return from the body */
static unsigned for_down(const int *p, int n, int stop)
{
	unsigned acc = 6;

	for (int i = n; i > 0; i--) {
		if (p[i - 1] == stop)
			return acc + 1;
		MIX(acc, p[i - 1]);
	}
	return acc;
}

/* a pointer stepped by 3 */
static unsigned for_step(const int *p, int n)
{
	const int *end = p + n;
	unsigned acc = 7;

	for (const int *q = p; q < end; q += 3)
		MIX(acc, *q);
	return acc;
}

/* "do ... while (--k)" on a size_t copy (KissFFT's butterflies), a switch */
static unsigned do_switch(const int *p, size_t m)
{
	size_t k = m;
	unsigned acc = 8;

	do {
		switch (*p & 3) {
		case 0:
			MIX(acc, 1);
			break;
		case 1:
			continue;
		default:
			MIX(acc, *p);
		}
		p++;
	} while (--k);
	return acc;
}

/* a forward goto out of the body */
static unsigned for_goto(const int *p, long n, int stop)
{
	unsigned acc = 9;

	for (long i = 0; i < n; i++) {
		if (p[i] == stop)
			goto found;
		MIX(acc, p[i]);
	}
	return acc;
found:
	return acc * 3;
}

/* "<=" on a pointer, a 64-bit counter bound that the body reads */
static unsigned for_le(const int *p, long long n)
{
	const int *last = p + n - 1;
	unsigned acc = 10;

	for (const int *q = p; q <= last; q++)
		MIX(acc, *q + (int)(n & 7));
	return acc;
}

/* integers: "<=" and a step of 3, guarded with the bound short of INT_MAX */
static unsigned int_le_step(const int *p, int n)
{
	unsigned acc = 14;

	for (int i = 0; i <= n - 1; i++)
		MIX(acc, p[i]);
	for (int i = 0; i < n; i += 3)
		MIX(acc, p[i] ^ i);
	return acc;
}

/*
 * Loops that must poll on every pass: their counters wrap (in the
 * comparison, or by the step's type) and run on until the break.
 */

/* compared as unsigned: i goes on below 0 */
static unsigned wraps_compared(int hi, unsigned lo, int stop)
{
	unsigned acc = 11;

	for (int i = hi; i >= lo; i--) {
		MIX(acc, i);
		if (i == stop)
			break;
	}
	return acc;
}

/* "i += 0xffffffffu" is "i -= 1" */
static unsigned wraps_step(int n, int stop)
{
	unsigned acc = 12;

	for (int i = 10; i < n; i += 0xffffffffu) {
		MIX(acc, i);
		if (i == stop)
			break;
	}
	return acc;
}

/* a bound read from memory by an atomic builtin, which the body changes */
static unsigned atomic_bound(int *lim)
{
	unsigned acc = 13;
	int i;

	for (i = 0; i < __atomic_load_n(lim, __ATOMIC_RELAXED); i++) {
		MIX(acc, i);
		if (i < 1500)
			*lim += 1;
	}
	return acc ^ i;
}

static unsigned all(int n)
{
	unsigned s = 0;

	s ^= do_predec(v, n);
	s ^= while_postdec(v, n);
	s ^= for_lt(v, n);
	s ^= for_ptr(v, n);
	s ^= for_ptr_ne(v, n, -1) ^ for_ptr_ne(v, n, v[n / 2]);
	s ^= for_down(v, n, -1) ^ for_down(v, n, v[n / 3]);
	s ^= for_step(v, n);
	s ^= do_switch(v, n);
	s ^= for_goto(v, n, -1) ^ for_goto(v, n, v[n - 1]);
	s ^= for_le(v, n);
	s ^= int_le_step(v, n);
	return s;
}

int main(void)
{
	unsigned s = 0, x = 12345;
	int lim = 10;

	for (int i = 0; i < N; i++) {
		x = x * 1103515245 + 12345;
		v[i] = (int)(x >> 8) % 1000;
	}
	for (int r = 0; r < ROUNDS; r++)
		s = s * 3 + all(SHORT - r % 5);
	printf("short %08x\n", s);
	printf("long %08x\n", all(N - 500));
	printf("wrapping %08x %08x\n", wraps_compared(10, 0, -1500), wraps_step(20, -1489));
	printf("atomic %08x\n", atomic_bound(&lim));
	return 0;
}
