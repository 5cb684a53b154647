/*
 * The program ignores the update signal (SIG_IGN through signal(), which
 * the runtime does not wrap) and a thread then waits in read() through
 * libupstare's wrapper.  Readiness sees that thread blocked in a wrapped
 * call, ready to be kicked; but the kick is dropped, so it never parks and
 * an update can only time out.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];

static void *waiter(void *arg)
{
	char c;

	(void)arg;
	printf("waiter ready\n");
	read(fds[0], &c, 1);
	return NULL;
}

int main(void)
{
	pthread_t t;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGRTMIN + 2, SIG_IGN);
	pipe(fds);
	pthread_create(&t, NULL, waiter, NULL);
	pthread_setname_np(t, "waiter");
	for (;;) {
		n++;
		printf("v1 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
