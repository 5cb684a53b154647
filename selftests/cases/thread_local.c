// SPDX-License-Identifier: GPL-2.0
/*
 * _Thread_local and __thread variables, at file scope and as static locals:
 * each thread sees its own copy, including in functions it calls.
 */
#include <pthread.h>
#include <stdio.h>

static _Thread_local int tl_count;
static __thread long tl_sum = 1;

static int bump(int v)
{
	static _Thread_local int calls;

	tl_sum += v;
	return ++calls + ++tl_count;
}

static void *worker(void *arg)
{
	long id = (long)arg, r = 0;

	for (int i = 0; i < 1000 * (int)id; i++)
		r = bump(i);
	return (void *)(r * 1000000 + tl_sum % 1000000);
}

int main(void)
{
	pthread_t t[3];
	void *ret;

	bump(5);
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int i = 0; i < 3; i++) {
		pthread_join(t[i], &ret);
		printf("%ld\n", (long)ret);
	}
	printf("main %d %ld\n", bump(1), tl_sum);
	return 0;
}
