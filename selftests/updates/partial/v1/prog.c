/*
 * Two threads: "boss" (main) beats without touching struct stats; "counter"
 * counts into the global stats, which the next version extends.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

struct stats {
	long requests;
	long bytes;
};

struct stats stats = { 0, 7 };

static void *counter(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "counter");
	for (;;) {
		stats.requests++;
		printf("v1 requests=%ld bytes=%ld\n", stats.requests, stats.bytes);
		usleep(3000);
	}
	return NULL;
}

static void beat(long n)
{
	printf("v1 beat %ld\n", n);
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
