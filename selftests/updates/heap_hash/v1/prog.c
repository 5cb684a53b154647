/*
 * A hash table of records on the heap: 64 buckets of chained records,
 * reached from a global array of pointers.  Version 2 reorders the record's
 * fields and widens one; the patch declares the record converted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
struct rec {
	char key[16];
	int hits;
	struct rec *chain;
};
#endif

#define NBUCKETS 64
struct rec *buckets[NBUCKETS];

static unsigned hash(const char *s)
{
	unsigned h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h % NBUCKETS;
}

static struct rec *lookup(const char *key)
{
	struct rec *r;

	for (r = buckets[hash(key)]; r; r = r->chain)
		if (!strcmp(r->key, key))
			return r;
	r = calloc(1, sizeof(*r));
	snprintf(r->key, sizeof(r->key), "%s", key);
	r->chain = buckets[hash(key)];
	buckets[hash(key)] = r;
	return r;
}

int main(void)
{
	char key[16];

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long n = 1;; n++) {
		long total = 0, count = 0;

		for (int i = 0; i < 200; i++) {
			snprintf(key, sizeof(key), "k%d", i);
			lookup(key)->hits++;
		}
		for (int b = 0; b < NBUCKETS; b++)
			for (struct rec *r = buckets[b]; r; r = r->chain) {
				total += r->hits;
				count++;
			}
		printf(VERSION " n=%ld records=%ld hits=%ld\n", n, count, total);
		usleep(10000);
	}
}
