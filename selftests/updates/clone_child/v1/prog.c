/*
 * A process with two threads makes two children with the raw clone system
 * call, as vsftpd makes its sessions: no atfork handler runs.  Child "a"
 * stays in the PID namespace, child "b" gets a new one (it is pid 1
 * there).  Each child blocks in read() on a pipe that the parent's ticker
 * thread writes to every 100 ms, and says what it got.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

static int pipes[2][2];

static void child(int id)
{
	char c;

	for (;;)
		if (read(pipes[id][0], &c, 1) == 1)
			printf(VERSION " child %c (pid %d) got %c\n", 'a' + id, (int)getpid(), c);
}

static void *ticker(void *arg)
{
	unsigned n = 0;

	(void)arg;
	for (;;) {
		char c = 'a' + n++ % 26;

		if (write(pipes[0][1], &c, 1) != 1 || write(pipes[1][1], &c, 1) != 1)
			exit(1);
		usleep(100000);
	}
	return NULL;
}

static pid_t spawn(int id, unsigned long flags)
{
	long pid = syscall(SYS_clone, flags | SIGCHLD, NULL, NULL, NULL, 0);

	if (pid < 0) {
		perror("clone");
		exit(1);
	}
	if (pid == 0)
		child(id);
	return pid;
}

int main(void)
{
	pthread_t t;
	pid_t a, b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(pipes[0]) || pipe(pipes[1]))
		return 1;
	pthread_create(&t, NULL, ticker, NULL);
	a = spawn(0, 0);
	b = spawn(1, CLONE_NEWPID);
	printf(VERSION " parent of %d and %d ready\n", (int)a, (int)b);
	for (;;) {
		sleep(1);
		printf(VERSION " parent tick\n");
	}
}
