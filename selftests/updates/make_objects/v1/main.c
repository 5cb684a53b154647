/*
 * Built by its own Makefile (make CC=upstare-cc); version 2's patch is
 * linked from the object and the static library its Makefile made.  A
 * thread counts through counter.c's static (and waits in there); main
 * sleeps.
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#include "counter.h"

#ifndef VERSION
#define VERSION "v1"
#endif

static void *counter(void *arg)
{
	(void)arg;
	for (;;) {
		printf(VERSION " count %ld\n", count_next());
	}
	return NULL;
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_create(&t, NULL, counter, NULL);
	for (;;)
		sleep(1);
}
