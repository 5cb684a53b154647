// SPDX-License-Identifier: GPL-2.0
/*
 * A local pointer to a variable-length array, declared in a loop with a
 * different row length each iteration: its size expression is evaluated
 * where it is declared, so hoisting it to the start of the function would
 * give it the wrong type.  Such a function is kept as written,
 * non-reconstructible; main, which calls it, is rebuilt around it.
 */
#include <stdio.h>
#include <stdlib.h>
static int calls;
static int f(int v) { calls++; return v; }
static long use(int rows, int cols)
{
	long t = 0;
	for (int k = 0; k < 2; k++) {
		int n = f(cols + k);
		int (*m)[n] = malloc(sizeof(int[rows][n]));
		for (int i = 0; i < rows; i++)
			for (int j = 0; j < n; j++)
				m[i][j] = f(i * 100 + j);
		t += m[rows - 1][n - 1] + (long)sizeof(*m);
		free(m);
	}
	return t;
}
int main(void)
{
	printf("%ld calls=%d\n", use(3, 4), calls);
	printf("%ld calls=%d\n", use(5, 2), calls);
	return 0;
}
