/*
 * Version 2 of: ten threads, each caught somewhere else by the update: two computing,
 * two blocked in read() on a socket, one holding a mutex (sleeping), one
 * waiting for that mutex, one in pthread_cond_wait(), two in nanosleep(),
 * and main in its loop.  Version 2 releases them all after the update;
 * each says which version it runs.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define VERSION "v2"
int kicked = 0;

static int sv[2][2];
static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cm = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
int go = 0, release = 0, owner_has_lock = 0;

static void *compute(void *arg)
{
	unsigned long i = 0, x = (unsigned long)arg;

	for (;;) {
		x = x * 6364136223846793005ul + 1442695040888963407ul;
		if (++i % 4000000 == 0)
			printf(VERSION " compute %lu\n", x & 1);
	}
	return NULL;
}

static void *reader(void *arg)
{
	long id = (long)arg;
	char c;

	for (;;) {
		if (read(sv[id][0], &c, 1) == 1)
			printf(VERSION " reader %ld got %c\n", id, c);
	}
	return NULL;
}

static void *owner(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&m);
	owner_has_lock = 1;
	while (!release)
		usleep(20000);
	pthread_mutex_unlock(&m);
	printf(VERSION " owner released\n");
	return NULL;
}

static void *locker(void *arg)
{
	(void)arg;
	while (!owner_has_lock)
		usleep(1000);
	pthread_mutex_lock(&m);
	printf(VERSION " locker\n");
	pthread_mutex_unlock(&m);
	return NULL;
}

static void *waiter(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&cm);
	while (!go)
		pthread_cond_wait(&cv, &cm);
	pthread_mutex_unlock(&cm);
	printf(VERSION " waiter\n");
	return NULL;
}

static void *sleeper(void *arg)
{
	struct timespec t = { 0, 300000000 };

	for (;;) {
		nanosleep(&t, NULL);
		printf(VERSION " sleeper %ld\n", (long)arg);
	}
	return NULL;
}

int main(void)
{
	pthread_t t[9];
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv[0]);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv[1]);
	pthread_create(&t[0], NULL, compute, (void *)1);
	pthread_create(&t[1], NULL, compute, (void *)2);
	pthread_create(&t[2], NULL, reader, (void *)0);
	pthread_create(&t[3], NULL, reader, (void *)1);
	pthread_create(&t[4], NULL, owner, NULL);
	pthread_create(&t[5], NULL, locker, NULL);
	pthread_create(&t[6], NULL, waiter, NULL);
	pthread_create(&t[7], NULL, sleeper, (void *)0);
	pthread_create(&t[8], NULL, sleeper, (void *)1);
	for (;;) {
		if (!kicked) {
			kicked = 1;
			write(sv[0][1], "x", 1);
			write(sv[1][1], "y", 1);
			pthread_mutex_lock(&cm);
			go = 1;
			pthread_cond_broadcast(&cv);
			pthread_mutex_unlock(&cm);
			release = 1;
			printf(VERSION " main kicked\n");
		}
		if (++n == 50)
			printf(VERSION " main ready\n");
		usleep(2000);
	}
	return 0;
}
