/*
 * Version 2: the same program, with these lines added above its types; so
 * its unnamed types are spelled at other lines than version 1's.
 */
#define VERSION "v2"
#include <stdint.h>
#define REFS_T int32_t

/*
 * Records with unnamed members' types, as memcached's item keeps its CAS in
 * an unnamed union: clang spells such a type by where it is ("union
 * (unnamed at prog.c:17:2)").  Version 2 only adds lines above them.
 */
#include <stdio.h>
#include <unistd.h>

struct item {
	REFS_T refs;
	union {
		long cas;
		char end;
	} data[1];
};

struct item it;
static struct {
	int x, y;
} pos = { 1, 2 };

static void touch(struct item *i)
{
	i->refs++;
}

int main(void)
{
	struct item mine = { 0 };	/* address-taken: on the side stack */

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		touch(&mine);
		it.refs++;
		it.data[0].cas += 2;
		pos.y++;
		printf(VERSION " refs=%d cas=%ld y=%d mine=%d\n", (int)it.refs, it.data[0].cas,
		       pos.y, (int)mine.refs);
		usleep(10000);
	}
}
