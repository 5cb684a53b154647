// SPDX-License-Identifier: GPL-2.0
/*
 * alloca in a loop (memory lives until the function returns), alloca sized
 * by a call, and alloca in a function called repeatedly.  Frames that
 * use alloca cannot be rebuilt; main, which calls them, can.
 */
#include <alloca.h>
#include <stdio.h>
#include <string.h>

static int size(int n)
{
	return n * 4;
}

static int fill(int n)
{
	char *p = alloca(size(n) + 1);

	memset(p, 'a' + n, size(n));
	p[size(n)] = 0;
	return (int)strlen(p) + p[0];
}

static int rows(void)
{
	int *ptrs[5], total = 0;

	for (int i = 0; i < 5; i++) {
		ptrs[i] = alloca(size(i + 1) * sizeof(int));
		for (int j = 0; j < size(i + 1); j++)
			ptrs[i][j] = i + j;
	}
	for (int i = 0; i < 5; i++)
		total += ptrs[i][size(i + 1) - 1];
	return total;
}

int main(void)
{
	int total = rows();

	for (int i = 0; i < 100; i++)
		total += fill(i % 8);
	printf("total=%d\n", total);
	return 0;
}
