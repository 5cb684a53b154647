// SPDX-License-Identifier: GPL-2.0
/*
 * The program's own signals still interrupt its blocking calls: the
 * runtime's wrappers retry only an EINTR that the update signal caused.
 * A thread blocked in read() gets SIGUSR1 (handler without SA_RESTART)
 * and must see -1/EINTR, as in the plain build.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];
static volatile int done;

static void on_usr1(int sig)
{
	(void)sig;
}

static void *reader(void *arg)
{
	ssize_t n;
	char c;

	(void)arg;
	n = read(fds[0], &c, 1);
	printf("read %zd %s\n", n, n < 0 && errno == EINTR ? "EINTR" : "other");
	done = 1;
	return NULL;
}

int main(void)
{
	struct sigaction sa = { .sa_handler = on_usr1 };
	pthread_t t;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	if (pipe(fds))
		return 1;
	pthread_create(&t, NULL, reader, NULL);
	while (!done) {
		usleep(10000);
		if (!done)
			pthread_kill(t, SIGUSR1);
	}
	pthread_join(t, NULL);
	printf("joined\n");
	return 0;
}
