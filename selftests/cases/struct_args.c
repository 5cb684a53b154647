// SPDX-License-Identifier: GPL-2.0
/*
 * Structs and unions passed and returned by value: the callee's changes to
 * its copy must not reach the caller, assignment from a call, a member of a
 * returned struct, an array member of a returned struct, and a struct with
 * a flexible array member reached through a pointer.
 */
#include <stdio.h>
#include <stdlib.h>

struct big {
	int id;
	char tag[20];
	double vals[6];
};

struct flex {
	int n;
	int items[];
};

static struct big modify(struct big b, int delta)
{
	b.id += delta;
	b.tag[0] = 'M';
	for (int i = 0; i < 6; i++)
		b.vals[i] *= delta;
	return b;
}

static double total(struct big b)
{
	double t = b.id;

	for (int i = 0; i < 6; i++)
		t += b.vals[i];
	return t;
}

static int flex_sum(const struct flex *f)
{
	int s = 0;

	for (int i = 0; i < f->n; i++)
		s += f->items[i];
	return s;
}

int main(void)
{
	struct big a = { 1, "original", { 1, 2, 3, 4, 5, 6 } }, b;
	struct flex *f = malloc(sizeof(*f) + 5 * sizeof(int));

	b = modify(a, 3);
	printf("%d %s %.1f | %d %s %.1f\n", a.id, a.tag, total(a), b.id, b.tag, total(b));
	printf("%.1f %c %d\n", modify(b, 2).vals[5], modify(a, 1).tag[1], modify(modify(a, 2), 5).id);
	a = modify(modify(a, 2), 2);
	printf("%.1f\n", total(a));
	f->n = 5;
	for (int i = 0; i < 5; i++)
		f->items[i] = i * i;
	printf("%d\n", flex_sum(f));
	free(f);
	return 0;
}
