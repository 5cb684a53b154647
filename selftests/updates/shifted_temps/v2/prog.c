/*
 * Version 2 of: a thread blocked in read(), whose arguments were evaluated into
 * temporaries before the call.  Version 2 adds a call before the read, so
 * the temporaries are numbered differently: the saved arguments must still
 * reach the re-issued read().
 */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

#define VERSION "v2"

static int fds[2];
int reads = 0;

static void note(int r)
{
	if (r < 0)
		printf("never\n");
}

static void *reader(void *arg)
{
	char buf[32];
	ssize_t n;

	(void)arg;
	for (;;) {
		note(reads + 1);
		n = read(fds[0], buf + reads * 0, sizeof(buf) - 1);
		if (n <= 0) {
			printf(VERSION " read error\n");
			return NULL;
		}
		buf[n] = 0;
		printf(VERSION " got %s", buf);
	}
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
		if (n % 100 == 0)
			printf(VERSION " main n=%d\n", n);
		if (n == 400)
			write(fds[1], "hello\n", 6);
		usleep(2000);
	}
	return 0;
}
