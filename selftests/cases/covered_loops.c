// SPDX-License-Identifier: GPL-2.0
/*
 * Update points that other update points make redundant (instrumentor.rst,
 * "Loops whose body polls"): a loop whose every pass goes through the
 * head of an inner loop that polls has only a hop at its head, and a
 * backward goto out of such an inner loop to before it has no update
 * point.  A loop around call-free loops polls at its latch, where a
 * continue goes.  The "expect-points" lines list each function's continuation
 * points, which the metadata must match; the unwind run rebuilds frames
 * through the heads left without an update point at every third one.
 *
 * upstare-test: unwind=3
 */
#include <stdio.h>

#define N 200

static int v[N];
static int g_a, g_b, g_cnt;

static int find(int x)
{
	int j = 0;

	while (v[j] != x && j < N - 1)
		j++;
	return j;
}

/* the outer loop's body starts with a loop that polls */
// expect-points: rows entry loop#1
static long rows(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++) {
		int j = 0;

		while (v[j] != i % 50 && j < N - 1)
			j++;
		s += j;
	}
	return s;
}

/* a continue before the inner loop: the outer loop polls */
// expect-points: rows_continue entry loop#1 loop#2
static long rows_continue(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++) {
		int j = 0;

		if (i % 3 == 0)
			continue;
		while (v[j] != i % 50 && j < N - 1)
			j++;
		s += j;
	}
	return s;
}

/* a forward goto past the inner loop: the outer loop polls */
// expect-points: rows_skip entry loop#1 loop#2
static long rows_skip(int n)
{
	long s = 0;
	int i, j;

	for (i = 0; i < n; i++) {
		j = 0;
		if (i & 1)
			goto skip;
		while (v[j] != i % 50 && j < N - 1)
			j++;
skip:
		s += j;
	}
	return s;
}

/* the inner loop is in an if: the outer loop polls */
// expect-points: rows_if entry loop#1 loop#2
static long rows_if(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++) {
		if (i % 4) {
			int j = 0;

			while (v[j] != i % 50 && j < N - 1)
				j++;
			s += j;
		}
	}
	return s;
}

/* the inner loop calls: it polls, the do-while around it does not */
// expect-points: calls entry loop#1 find#1
static long calls(int n)
{
	long s = 0;
	int i = 0;

	do {
		for (int k = 0; k < i % 5 + 1; k++)
			s += find((i + k) % 60);
		i++;
	} while (i < n);
	return s;
}

/* three deep: the middle loop may not run, so the outer one polls */
// expect-points: three entry loop#1 loop#2
static long three(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++)
		for (int j = 0; j < i % 4; j++) {
			int k = 0;

			while (v[k] != (i + j) % 50 && k < N - 1)
				k++;
			s += k * (j + 1);
		}
	return s;
}

/* a do-while around call-free loops, with a continue: it polls at its latch */
// expect-points: do_latch entry loop#1 loop#2
static long do_latch(int n)
{
	long s = 0;
	int i = 0;

	do {
		i++;
		if (i % 5 == 0)
			continue;
		for (int j = 0; j < i % 7; j++)
			s += v[j] * i;
		while (s > 100000)
			s -= 99991;
	} while (i < n);
	return s;
}

/* around a loop that only counts, with a continue */
// expect-points: latch_above entry loop#1
static long latch_above(int n)
{
	long s = 0;

	for (int i = 0; i < n; i++) {
		if (i % 3 == 1)
			continue;
		for (int j = 0; j < i % 9; j++)
			s += v[j] ^ i;
	}
	return s;
}

// expect-points: do_above entry loop#1
static long do_above(int n)
{
	long s = 0;
	int i = 0;

	do {
		for (int j = 0; j < i % 9; j++)
			s += v[j] + i;
		if (i % 4 == 0) {
			i += 2;
			continue;
		}
		i++;
	} while (i < n);
	return s;
}

/* a goto in the condition skips the inner loop: the outer loop polls */
// expect-points: cond_goto entry loop#1 loop#2
static int cond_goto(int n)
{
	int a = n, h = 0, i;

	while (({ if (h > 1000) goto skip; a > 0; })) {
		i = 0;
		while (v[i] != a % 50 && i < N - 1)
			i++;
		h += i;
skip:
		a--;
		if (h > 1000)
			h -= 700;
	}
	return h + a;
}

/* a continue in an inner for's init is the outer loop's: it polls */
// expect-points: init_continue entry loop#1 loop#2
static int init_continue(int n)
{
	int m = n, h = 0, i, j = 0;

	while (m-- > 0) {
		{
			for (({ if (m % 3 == 0) continue; 0; }); j < m % 7; j++)
				h++;
		}
		i = 0;
		while (v[i] != m % 50 && i < N - 1)
			i++;
		h += i;
		j = 0;
	}
	return h;
}

/* a backward goto inside a statement expression polls too */
// expect-points: stmt_expr_goto entry goto:again#1
static int stmt_expr_goto(int n)
{
	int h = n;
	int x = ({ int k = 0; again: k++; if (--h > 0) goto again; k; });

	return x + h;
}

/* csmith's goto out of nested loops to before them: only the inner head polls */
// expect-points: cycle entry loop#1
static int cycle(int n)
{
	int k = 0;

again:
	k++;
	for (g_a = 0; g_a <= 3; g_a += 1) {
		for (g_b = 0; g_b <= 3; g_b += 1) {
			if (k < n && g_b == 2)
				goto again;
			g_cnt += g_a ^ g_b ^ k;
		}
	}
	return k;
}

/* the same with a label in the inner loop: the goto polls */
// expect-points: cycle_label entry loop#1 goto:again#1
static int cycle_label(int n)
{
	int k = 0;

again:
	k++;
	for (g_a = 0; g_a <= 3; g_a += 1) {
		for (g_b = 0; g_b <= 3; g_b += 1) {
			if (g_b == 3)
				goto in;
			g_cnt += g_a + k;
in:
			if (k < n && g_b == 2)
				goto again;
		}
	}
	return k;
}

int main(void)
{
	for (int i = 0; i < N; i++)
		v[i] = (i * 37 + 11) % 53;
	printf("rows %ld\n", rows(500));
	printf("rows_continue %ld\n", rows_continue(500));
	printf("rows_skip %ld\n", rows_skip(500));
	printf("rows_if %ld\n", rows_if(500));
	printf("calls %ld\n", calls(300));
	printf("three %ld\n", three(300));
	printf("do_latch %ld\n", do_latch(3000));
	printf("latch_above %ld\n", latch_above(3000));
	printf("do_above %ld\n", do_above(3000));
	printf("cond_goto %d\n", cond_goto(2000));
	printf("init_continue %d\n", init_continue(2000));
	printf("stmt_expr_goto %d\n", stmt_expr_goto(5000));
	printf("cycle %d %d\n", cycle(1000), g_cnt);
	printf("cycle_label %d %d\n", cycle_label(1000), g_cnt);
	return 0;
}
