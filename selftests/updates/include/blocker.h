/*
 * For the update cases' programs: start_blocker() starts a thread named
 * "blocker" that blocks every signal behind the runtime's back (a raw
 * system call, as a library could) and then waits in read() forever, so
 * it never parks; it prints "blocker ready" first.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static int blocker_fds[2];

static void *blocker(void *arg)
{
	sigset_t all;
	char c;

	(void)arg;
	sigfillset(&all);
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &all, NULL, 8);
	printf("blocker ready\n");
	read(blocker_fds[0], &c, 1);
	return NULL;
}

static void start_blocker(void)
{
	pthread_t t;

	pipe(blocker_fds);
	pthread_create(&t, NULL, blocker, NULL);
	pthread_setname_np(t, "blocker");
}
