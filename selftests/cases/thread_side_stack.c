// SPDX-License-Identifier: GPL-2.0
/*
 * Threads that come and go, each with an address-taken local: what the
 * runtime keeps for a thread goes with it.  Instrumented, the local lives
 * on the thread's side stack, a 256 KB chunk from malloc (mmapped, so
 * counted in mallinfo2's hblkhd); 300 threads that left theirs behind
 * would hold 75 MB.  The output is the same plain and instrumented only if
 * the mmapped memory stays under 16 MB.
 */
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>

static int fill(int *p, int n)
{
	for (int i = 0; i < n; i++)
		*p += i;
	return *p;
}

static void *worker(void *arg)
{
	int acc = (int)(long)arg;

	fill(&acc, 10);
	return (void *)(long)acc;
}

int main(void)
{
	struct mallinfo2 mi;
	long sum = 0;

	for (int i = 0; i < 300; i++) {
		pthread_t t;
		void *r;

		if (pthread_create(&t, NULL, worker, (void *)(long)i) || pthread_join(t, &r)) {
			printf("thread %d failed\n", i);
			return 1;
		}
		sum += (long)r;
	}
	mi = mallinfo2();
	printf("sum %ld\n", sum);
	printf("mmapped memory under 16 MB: %s\n", mi.hblkhd < (16u << 20) ? "yes" : "no");
	return 0;
}
