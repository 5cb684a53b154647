/*
 * Several views of the same objects of types version 2 changes: a global
 * array of workers (which moves: its type changed) and two pointers to it
 * declared arrays (heap.c), and a global connection of a typedef'd record
 * with a pointer to it.  Every view must lead to the same converted
 * objects.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
struct worker {
	int id;
	long served;
};
typedef struct conn {
	int fd;
	long hits;
} conn_t;
#endif

static struct worker pool[3] = { { .id = 1 }, { .id = 2 }, { .id = 3 } };
static struct worker *workers = pool;
static struct worker *busy;
static int nworkers = 3;
static conn_t listener = { .fd = 7 };
static struct conn *cur = &listener;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	busy = pool;
	for (long n = 1;; n++) {
		for (int i = 0; i < nworkers; i++)
			workers[i].served++;
		cur->hits++;
		printf(VERSION " n=%ld same=%d w=%ld,%ld,%ld p=%ld b=%ld hits=%ld fd=%d\n", n,
		       workers == pool && busy == pool && cur == &listener, workers[0].served,
		       workers[1].served, workers[2].served, pool[2].served, busy[1].served,
		       listener.hits, listener.fd);
		usleep(10000);
	}
}
