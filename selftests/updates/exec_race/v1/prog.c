/*
 * Started with no argument: a thread blocks every signal behind the
 * runtime's back and waits in read() (upstared never finds it ready), and
 * after about two seconds the program runs exec() on itself with the
 * argument "again".  The new image has one thread, always ready.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
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

int main(int argc, char **argv)
{
	pthread_t t;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (;;) {
			printf(VERSION " again n=%d\n", ++n);
			usleep(2000);
		}
	}
	pipe(fds);
	pthread_create(&t, NULL, blocker, NULL);
	pthread_setname_np(t, "blocker");
	for (;;) {
		printf(VERSION " n=%d\n", ++n);
		usleep(2000);
		if (n == 1000) {
			printf("exec\n");
			execl("/proc/self/exe", argv[0], "again", (char *)NULL);
		}
	}
	return 0;
}
