// SPDX-License-Identifier: GPL-2.0
/*
 * pthread_create start routines are thread entries, run under the runtime
 * like main.  Four workers call program functions, take a mutex, and
 * return results through pthread_join and pthread_exit; the output only
 * depends on the joined results, so it is deterministic.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#define NTHREADS 4

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static long shared;

struct job {
	int id;
	long result;
};

static long work(int id, int i)
{
	return (long)id * 1000 + i % 17;
}

static void *worker(void *arg)
{
	struct job *job = arg;
	long sum = 0;

	for (int i = 0; i < 20000; i++) {
		sum += work(job->id, i);
		if (i % 1000 == 0) {
			pthread_mutex_lock(&lock);
			shared += job->id;
			pthread_mutex_unlock(&lock);
		}
	}
	job->result = sum;
	if (job->id == 2)
		pthread_exit((void *)(long)(job->id * 7));
	return (void *)(long)job->id;
}

int main(void)
{
	pthread_t tids[NTHREADS];
	struct job jobs[NTHREADS];
	void *ret;

	for (int i = 0; i < NTHREADS; i++) {
		jobs[i].id = i;
		if (pthread_create(&tids[i], NULL, worker, &jobs[i]))
			return 2;
	}
	for (int i = 0; i < NTHREADS; i++) {
		if (pthread_join(tids[i], &ret))
			return 3;
		printf("thread %d returned %ld result %ld\n", i, (long)ret, jobs[i].result);
	}
	printf("shared=%ld\n", shared);
	return 0;
}
