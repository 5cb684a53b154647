/*
 * Thread-local state across an update: two workers, each with its own
 * count (a global __thread variable, started at 1000 and 2000) and calls
 * (a static one), both carried by the program's TLS.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

__thread int count;
static __thread int calls;

static void *worker(void *arg)
{
	long id = (long)arg;

	count = id * 1000;
	for (;;) {
		count++;
		calls++;
		printf(VERSION " t%ld count=%d calls=%d\n", id, count, calls);
		usleep(20000);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[2];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long i = 0; i < 2; i++)
		pthread_create(&t[i], NULL, worker, (void *)(i + 1));
	for (int j = 0; j < 2; j++)
		pthread_join(t[j], NULL);
	return 0;
}
