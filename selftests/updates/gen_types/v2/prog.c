/* Version 2: every type of version 1 changed, each in a way that converts. */
#include <stdio.h>

#ifndef VERSION
#define VERSION "v2"
#endif
#ifndef TOTAL_T
#define TOTAL_T long
#endif
enum state { IDLE, STARTING, BUSY, DONE };
struct job {
	long count;
	enum state st;
	unsigned flags : 6;
	long added;
	int small;
};
#define NJOBS 3
typedef double ratio_t;
typedef TOTAL_T total_t;
static char extra[64];
#define EXTRA (snprintf(extra, sizeof(extra), " added=%ld n=%d", job.added, NJOBS), extra)
#include "../v1/prog.c"
