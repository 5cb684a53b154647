/*
 * A thread whose loop is a shared library's (waitloop.c, built plain):
 * it blocks in epoll_wait() inside the library, and the library calls
 * back into this instrumented program.  Prints "tid waiter TID" once the
 * thread is in place.  Used by observe/library_blocked.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

int waitloop_run(int fd, void (*cb)(int));

static int fds[2];

static void on_event(int fd)
{
	char c;

	if (read(fd, &c, 1) == 1)
		printf("got %c\n", c);
}

static void *waiter(void *arg)
{
	(void)arg;
	printf("tid waiter %d\n", (int)gettid());
	waitloop_run(fds[0], on_event);
	return NULL;
}

int main(void)
{
	pthread_t t;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds))
		return 1;
	pthread_create(&t, NULL, waiter, NULL);
	for (;;)
		sleep(1);
}
