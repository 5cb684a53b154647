// SPDX-License-Identifier: GPL-2.0
/*
 * Locals that are dead at a loop's update point are not saved there (and
 * a rebuilt frame restores garbage into them): scratch arrays and
 * structures written before they are read in every iteration, also through
 * do { } while (0) macros.  And locals the liveness must keep: read before
 * written, written on one branch only, written after a break out of a
 * do-while (0), written in part and read whole, read after the loop,
 * subscripted by a variable, written in an inner loop or under sizeof.
 */
#include <stdio.h>

struct cpx { float r, i; };

#define C_MUL(m, a, b) do { (m).r = (a).r * (b).r - (a).i * (b).i; \
			    (m).i = (a).r * (b).i + (a).i * (b).r; } while (0)
#define C_ADD(m, a, b) do { (m).r = (a).r + (b).r; (m).i = (a).i + (b).i; } while (0)

static volatile int knob = 1;

static void butterfly(struct cpx *v, int n)
{
	struct cpx scratch[4];
	struct cpx t;
	int k = n;

	do {
		C_MUL(scratch[0], v[0], v[1]);
		C_ADD(scratch[1], scratch[0], v[1]);
		C_ADD(t, scratch[1], scratch[0]);
		if (knob)
			scratch[2] = v[1];		/* both branches write */
		else
			scratch[2] = v[2];
		v[0].r += scratch[2].r / 8 + t.r / 32;
		v[1].i -= t.i / 16;
		v++;
	} while (--k);
}

static long carried(int n)
{
	long acc[2] = { 1, 2 };
	long last = 0, half = 0, part[3] = { 0, 0, 0 };
	struct cpx w;

	for (int u = 0; u < n; ++u) {
		acc[u & 1] += acc[(u + 1) & 1] % 97;	/* variable subscripts */
		if (u & 1)
			half = u;			/* one branch only */
		part[0] = u;				/* part[1] read first */
		part[2] = part[1] + part[0];
		part[1] = u * 3;
		w.r = (float)u;				/* w read whole */
		w = (struct cpx){ w.r, w.r };
		do {
			if (u % 3 == 0)
				break;
			last = u;			/* after a break: live */
		} while (0);
		acc[0] += half + part[2] + last + (long)w.i;
	}
	return acc[0] + acc[1] + last;
}

static long inner(int n)
{
	long x = 0, y = 0;

	for (int u = 0; u < n; u++) {
		for (int j = 0; j < u % 4; j++)
			x = j;				/* maybe never written */
		y += x;
		x = y % 7;
	}
	return y;
}

static long unevaluated(int n)
{
	long s = 0, z = 7;

	for (int u = 0; u < n; u++) {
		(void)sizeof(z = u);			/* not a write */
		s += z;
		z = s % 5;
	}
	return s;
}

int main(void)
{
	struct cpx v[40];

	for (int i = 0; i < 40; i++)
		v[i] = (struct cpx){ (float)i / 10, (float)(40 - i) / 20 };
	for (int r = 0; r < 5; r++)
		butterfly(v, 39);
	for (int i = 0; i < 40; i += 7)
		printf("%d %.4f %.4f\n", i, v[i].r, v[i].i);
	printf("carried %ld\n", carried(50));
	printf("inner %ld\n", inner(30));
	printf("unevaluated %ld\n", unevaluated(20));
	return 0;
}
