/*
 * Version 2.  The first v2 patch leaves nothing behind (the first place of
 * the loader's reservation); the second installs a signal handler of its
 * own (the kernel holds it), the third registers an atexit() handler
 * (glibc keeps it mangled), the fourth keeps a pointer to one of its
 * string literals in the heap.  Each keeps its patch mapped after later
 * updates.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int registered;
const char **kept;
volatile sig_atomic_t quit;
long hits;

static void on_usr1(int sig)
{
	static const char m[] = "usr1 handled by the second v2\n";

	(void)sig;
	write(1, m, strlen(m));
}

static void bye(void)
{
	printf("bye from the third v2\n");
}

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
	static int done;	/* new in each v2 patch */

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGUSR2, on_usr2);
	for (int i = 0; i < 8; i++) {
		pthread_t t;

		pthread_create(&t, NULL, idle, NULL);
	}
	for (long n = 0;; n++) {
		hits++;
		if (!done) {
			done = 1;
			if (registered == 1)
				signal(SIGUSR1, on_usr1);
			else if (registered == 2)
				atexit(bye);
			else if (registered == 3 && (kept = malloc(sizeof(*kept))))
				*kept = "kept by the fourth v2";
			registered++;
		}
		printf("v2 n=%ld hits=%ld kept=%s\n", n, hits, kept ? *kept : "-");
		if (quit)
			exit(0);
		usleep(5000);
	}
	return 0;
}
