/*
 * Two globals whose types version 2 changes: a table that grows and a
 * counter that becomes 64-bit.  A patch without transformers is refused
 * naming both.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#define TABLE 3
typedef int count_t;
#endif

int table[TABLE] = { 1, 2, 3 };
count_t counter;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		counter++;
		printf(VERSION " counter=%ld table[2]=%d\n", (long)counter, table[2]);
		usleep(10000);
	}
}
