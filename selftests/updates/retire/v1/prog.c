/*
 * Updated back and forth, v1 -> v2 -> v1 -> ...  hits changes type (int in
 * v1, long in v2), so every patch moves it.  Each v2 patch, the first time
 * it runs, leaves something of its own behind (v2/prog.c); v1 leaves
 * nothing.  SIGUSR2 makes it exit.  Eight idle threads make the stacks
 * (8 MiB each) more than the scan reads in a pause, but for the parts below
 * where each thread parked, which are not read.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int registered;			/* how many v2 patches left something */
const char **kept;		/* a string of the v2 that set it */
volatile sig_atomic_t quit;
int hits;

/* 8 idle threads: their 8 MiB stacks are read only from where they parked */
static void *idle(void *arg)
{
	(void)arg;
	for (;;)
		usleep(20000);
	return NULL;
}

static void on_usr2(int sig)
{
	(void)sig;
	quit = 1;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR2, on_usr2);
	for (int i = 0; i < 8; i++) {
		pthread_t t;

		pthread_create(&t, NULL, idle, NULL);
	}
	for (long n = 0;; n++) {
		hits++;
		printf("v1 n=%ld hits=%d kept=%s\n", n, hits, kept ? *kept : "-");
		if (quit)
			exit(0);
		usleep(5000);
	}
	return 0;
}
