/*
 * One thread blocks every signal behind the runtime's back and waits in
 * read(): it never parks.  The main thread works in 2 ms steps and prints
 * the CLOCK_MONOTONIC time of each, so the longest time it was held
 * (parked) shows as the longest gap between two lines.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

static int fds[2];

static void *blocker(void *arg)
{
	sigset_t all;
	char c;

	(void)arg;
	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8);
	printf("blocker ready\n");
	read(fds[0], &c, 1);
	return NULL;
}

int main(void)
{
	struct timespec ts;
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pipe(fds);
	pthread_create(&t, NULL, blocker, NULL);
	pthread_setname_np(t, "blocker");
	for (long n = 1;; n++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		printf(VERSION " n=%ld ms=%lld\n", n, ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
		usleep(2000);
	}
	return 0;
}
