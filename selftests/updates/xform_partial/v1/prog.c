/*
 * A configuration record whose union member set changes (which member
 * holds the value cannot be derived), whose fields move, and which loses a
 * counter that version 2 keeps elsewhere.  Version 2's patch converts it
 * with a transformer that takes the generated steps for the rest
 * (xform.c).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
union val {
	int i;
	float f;
};
struct cfg {
	int port;
	union val v;
	long removed_count;
	char name[8];
	int lo, hi;
};
#define SHOW(c) printf(VERSION " n=%ld port=%d v=%d name=%s\n", n, (c).port, (c).v.i, (c).name)
#define COUNT(c) ((c).removed_count++)
#endif

struct cfg cfg;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	cfg.port = 80;
	cfg.v.i = 5;
	strcpy(cfg.name, "web");
	for (long n = 1;; n++) {
		COUNT(cfg);
		SHOW(cfg);
		usleep(10000);
	}
}
