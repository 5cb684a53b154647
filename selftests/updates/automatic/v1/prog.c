/*
 * The worker waits inside a transaction until the file "leave" appears
 * next to the executable; version 2's transaction has no such wait, so a
 * frame caught there (at loop#1 or usleep#1 of transaction) cannot be
 * converted: an automatic constraint makes the update wait until the
 * worker has left it.
 */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define VERSION 1

volatile int leave;
int done;

void transaction(void)
{
	while (!leave)
		usleep(1000);
	done++;
}

static void *worker(void *arg)
{
	(void)arg;
	for (;;) {
		transaction();
		if (done % 50 == 1)
			printf("v%d done %d\n", VERSION, done);
		usleep(1000);
	}
	return NULL;
}

int main(void)
{
	char path[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 16);
	pthread_t t;

	if (n < 0)
		return 1;
	path[n] = 0;
	strcpy(strrchr(path, '/') + 1, "leave");
	setvbuf(stdout, NULL, _IOLBF, 0);
	pthread_create(&t, NULL, worker, NULL);
	printf("v%d main ready\n", VERSION);
	for (;;) {
		if (!leave && !access(path, F_OK)) {
			leave = 1;
			printf("v%d left\n", VERSION);
		}
		usleep(10000);
	}
	return 0;
}
