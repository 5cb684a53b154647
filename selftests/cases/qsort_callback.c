// SPDX-License-Identifier: GPL-2.0
/*
 * Callbacks entered from uninstrumented library code: a qsort comparator
 * and a bsearch comparator that call program functions, and a comparator
 * chosen through a function pointer.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rec {
	char name[8];
	int score;
};

static int ncmp;

static int key(const struct rec *r)
{
	return r->score * 100 - r->name[0];
}

static int by_key(const void *a, const void *b)
{
	int ka = key(a), kb = key(b);

	ncmp++;
	return (ka > kb) - (ka < kb);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct rec *)a)->name, ((const struct rec *)b)->name);
}

static int int_cmp(const void *a, const void *b)
{
	return *(const int *)a - *(const int *)b;
}

int main(void)
{
	struct rec recs[] = {
		{ "delta", 3 }, { "alpha", 9 }, { "echo", 3 }, { "bravo", 1 },
		{ "fox", 9 }, { "charlie", 5 }, { "golf", 0 },
	};
	int n = sizeof(recs) / sizeof(recs[0]), nums[200], probe = 123, *hit;
	int (*cmp)(const void *, const void *) = by_key;

	qsort(recs, n, sizeof(recs[0]), cmp);
	for (int i = 0; i < n; i++)
		printf("%s:%d ", recs[i].name, recs[i].score);
	printf("compared=%d\n", ncmp > 0);
	qsort(recs, n, sizeof(recs[0]), by_name);
	for (int i = 0; i < n; i++)
		printf("%s ", recs[i].name);
	printf("\n");
	for (int i = 0; i < 200; i++)
		nums[i] = (i * 37) % 200;
	qsort(nums, 200, sizeof(int), int_cmp);
	hit = bsearch(&probe, nums, 200, sizeof(int), int_cmp);
	printf("%d %d %d\n", nums[0], nums[199], hit ? (int)(hit - nums) : -1);
	return 0;
}
