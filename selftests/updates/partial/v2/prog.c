/* Version 2: struct stats gains a field in the middle. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct stats {
	long requests;
	long errors;
	long bytes;
};

struct stats stats = { 0, 0, 7 };

static void *counter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "counter");
	for (;;) {
		stats.requests++;
		printf("v2 requests=%ld errors=%ld bytes=%ld\n", stats.requests, stats.errors,
		       stats.bytes);
		usleep(3000);
	}
	return NULL;
}

static void beat(long n)
{
	printf("v2 beat %ld\n", n);
	usleep(5000);
}

/* main is never the innermost frame: boss always has two or three */
static void boss(void)
{
	for (long n = 1;; n++)
		beat(n);
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_setname_np(pthread_self(), "boss");
	pthread_create(&t, NULL, counter, NULL);
	boss();
	return 0;
}
