/*
 * Records with unnamed members' types, as memcached's item keeps its CAS in
 * an unnamed union: clang spells such a type by where it is ("union
 * (unnamed at prog.c:17:2)").  Version 2 only adds lines above them.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

struct item {
	int refs;
	union {
		long cas;
		char end;
	} data[1];
};

struct item it;
static struct {
	int x, y;
} pos = { 1, 2 };

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		it.refs++;
		it.data[0].cas += 2;
		pos.y++;
		printf(VERSION " refs=%d cas=%ld y=%d\n", it.refs, it.data[0].cas, pos.y);
		usleep(10000);
	}
}
