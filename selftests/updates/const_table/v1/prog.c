/*
 * A read-only table (const, its pointers relocated: read-only after
 * start) that version 2 grows, beside a counter whose transformer refuses
 * the update (refuse.c): the rollback must leave the table's old storage,
 * which nothing could write, alone.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#define NAMES { "get", "set" }
struct counter {
	long hits;
};
#endif

static const char *const names[] = NAMES;
struct counter counter;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long n = 1;; n++) {
		counter.hits++;
		printf(VERSION " n=%ld hits=%ld names=%zu first=%s\n", n, counter.hits,
		       sizeof(names) / sizeof(names[0]), names[0]);
		usleep(10000);
	}
}
