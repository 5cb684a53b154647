/*
 * Version 2 of: a thread blocked inside library code (fgets() on a pipe: a read() the
 * wrappers do not see).  The update must not interrupt it: such a thread
 * cannot reach an update point, so the update times out and the thread's
 * fgets() later returns its line, not an error.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VERSION "v2"

static int fds[2];

static void *reader(void *arg)
{
	char line[64];
	FILE *f = fdopen(fds[0], "r");

	(void)arg;
	if (fgets(line, sizeof(line), f))
		printf("reader got %s", line);
	else
		printf("reader error\n");
	return NULL;
}

int main(void)
{
	pthread_t t;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	pipe(fds);
	pthread_create(&t, NULL, reader, NULL);
	for (;;) {
		n++;
		printf(VERSION " n=%d\n", n);
		if (n == 400)
			write(fds[1], "hello\n", 6);
		usleep(2000);
	}
	return 0;
}
