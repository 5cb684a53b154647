/*
 * Three workers tick, each through a static function that takes a global
 * mutex and prints to a static FILE * opened at start-up; a fourth thread
 * blocks in read() on a FIFO opened O_RDWR; main ticks once a second.
 * Version 2 only changes the strings printed, and its file has another
 * name (v2/server.c): its statics must still be this file's.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static FILE *log_fp;
static char fifo[64];
long ticks[4];

static long step(long t)
{
	return t + 1;
}

static void note(long id, long t)
{
	pthread_mutex_lock(&lock);
	fprintf(log_fp, VERSION " worker %ld tick %ld\n", id, t);
	fflush(log_fp);
	pthread_mutex_unlock(&lock);
}

static void *worker(void *arg)
{
	long id = (long)arg;

	for (;;) {
		ticks[id] = step(ticks[id]);
		note(id, ticks[id]);
		usleep(20000);
	}
	return NULL;
}

static void *fifo_reader(void *arg)
{
	int fd = open(fifo, O_RDWR);
	char c;

	if (fd < 0) {
		perror(fifo);
		exit(1);
	}
	for (;;)
		if (read(fd, &c, 1) == 1)
			printf(VERSION " fifo got %c\n", c);
	return NULL;
}

int main(void)
{
	char dir[] = "/tmp/upstare-note.XXXXXX";
	pthread_t t[4];

	setvbuf(stdout, NULL, _IOLBF, 0);
	log_fp = fdopen(dup(1), "w");
	if (!log_fp || !mkdtemp(dir)) {
		perror("start");
		return 1;
	}
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	if (mkfifo(fifo, 0600) != 0) {
		perror(fifo);
		return 1;
	}
	for (long i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, worker, (void *)i);
	pthread_create(&t[3], NULL, fifo_reader, NULL);
	printf(VERSION " main ready fifo %s\n", fifo);
	for (;;) {
		ticks[3] = step(ticks[3]);
		printf(VERSION " main tick %ld\n", ticks[3]);
		sleep(1);
	}
}
