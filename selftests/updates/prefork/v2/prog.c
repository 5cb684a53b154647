/*
 * Version 2 of the pre-forked server: the parent forks three workers, each loops and
 * prints.  With BLOCK_IN_CHILD set, worker 2 also starts a thread that
 * blocks every signal behind the runtime's back and waits in read().
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define VERSION "v2"

static int fds[2];

static void *blocker(void *arg)
{
	sigset_t all;
	char c;

	(void)arg;
	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8);
	read(fds[0], &c, 1);
	return NULL;
}

static void loop(int id)
{
	int n = 0;

	for (;;) {
		n++;
		printf(VERSION " proc %d n=%d\n", id, n);
		usleep(3000);
	}
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pipe(fds);
	for (int i = 1; i <= 3; i++)
		if (fork() == 0) {
			if (i == 2 && getenv("BLOCK_IN_CHILD"))
				pthread_create(&t, NULL, blocker, NULL);
			loop(i);
		}
	loop(0);
	return 0;
}
