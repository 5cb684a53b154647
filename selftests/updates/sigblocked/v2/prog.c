/*
 * A thread blocks every signal behind the runtime's back (a raw system
 * call, as a library could) and then waits in read() forever.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

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
	pthread_t t;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pipe(fds);
	pthread_create(&t, NULL, blocker, NULL);
	pthread_setname_np(t, "blocker");
	for (;;) {
		n++;
		printf("v2 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
