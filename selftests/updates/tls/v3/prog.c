/*
 * Version 3 adds a thread-local variable: a patch cannot have TLS of its
 * own, so upstare-cc --patch refuses it, naming it.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define VERSION "v3"

__thread int count;
static __thread int calls;
__thread long extra;

static void *worker(void *arg)
{
	long id = (long)arg;

	count = id * 1000;
	for (;;) {
		count++;
		calls++;
		extra += 2;
		printf(VERSION " t%ld count=%d calls=%d extra=%ld\n", id, count, calls, extra);
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
