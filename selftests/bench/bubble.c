// SPDX-License-Identifier: GPL-2.0
/*
 * bubble [N [ROUNDS]]
 *
 * Bubble-sort N pseudo-random ints (default 20000), ROUNDS times (default
 * 3), and print a checksum of the sorted arrays.  The inner loop is a tight
 * call-free loop: the case where an update-point poll on every iteration
 * costs the most.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static void fill(int *a, int n, uint64_t seed)
{
	uint64_t x = seed;

	for (int i = 0; i < n; i++) {
		x = x * 6364136223846793005ULL + 1442695040888963407ULL;
		a[i] = (int)(x >> 33) % 1000000;
	}
}

static void bubble_sort(int *a, int n)
{
	for (int i = 0; i < n - 1; i++) {
		bool swapped = false;

		for (int j = 0; j < n - 1 - i; j++) {
			if (a[j] > a[j + 1]) {
				int t = a[j];

				a[j] = a[j + 1];
				a[j + 1] = t;
				swapped = true;
			}
		}
		if (!swapped)
			break;
	}
}

static bool sorted(const int *a, int n)
{
	for (int i = 1; i < n; i++)
		if (a[i - 1] > a[i])
			return false;
	return true;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 20000;
	int rounds = argc > 2 ? atoi(argv[2]) : 3;
	uint64_t sum = 0;
	int *a;

	if (n < 2 || rounds < 1) {
		fprintf(stderr, "usage: bubble [N >= 2 [ROUNDS >= 1]]\n");
		return 2;
	}
	a = malloc(n * sizeof(*a));
	if (!a) {
		perror("malloc");
		return 1;
	}
	for (int r = 0; r < rounds; r++) {
		fill(a, n, 1 + r);
		bubble_sort(a, n);
		if (!sorted(a, n)) {
			fprintf(stderr, "round %d: not sorted\n", r);
			return 1;
		}
		for (int i = 0; i < n; i++)
			sum = sum * 31 + (uint64_t)a[i];
	}
	printf("sorted %d ints %d times, checksum %016llx\n", n, rounds,
	       (unsigned long long)sum);
	free(a);
	return 0;
}
