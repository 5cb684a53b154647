/*
 * Globals whose types the next versions change in every way the patch
 * generator converts: an enum gains a value in the middle, a struct's
 * fields are reordered, widened (int -> long, short -> int, a bit-field
 * grows) and one is added, an array of them grows, a float becomes a
 * double; main has a local of the struct.  All are set at run time, so
 * none keeps its initial value.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef TOTAL_START
#define TOTAL_START 0
#endif

#ifndef VERSION
#define VERSION "v1"
#define EXTRA ""
enum state { IDLE, BUSY, DONE };
struct job {
	enum state st;
	int count;
	short small;
	unsigned flags : 3;
};
#define NJOBS 2
typedef float ratio_t;
typedef long total_t;
#endif

struct job job;
struct job jobs[NJOBS];
ratio_t ratio;
total_t total;

static const char *state_name(enum state s)
{
	switch (s) {
	case IDLE: return "IDLE";
	case BUSY: return "BUSY";
	case DONE: return "DONE";
	default: return "?";
	}
}

int main(void)
{
	struct job mine = { DONE, 5 };	/* a local of the changed type */

	setvbuf(stdout, NULL, _IOLBF, 0);
	job.st = BUSY;
	job.small = -300;
	job.flags = 5;
	jobs[1].st = DONE;
	jobs[1].count = 77;
	ratio = 0.5f;
	total = TOTAL_START;
	for (;;) {
		job.count++;
		mine.count++;
		total++;
		printf(VERSION " count=%ld st=%s small=%d flags=%u jobs1=%s/%ld ratio=%.2f "
		       "total=%ld mine=%s/%ld%s\n", (long)job.count, state_name(job.st),
		       (int)job.small, (unsigned)job.flags, state_name(jobs[1].st),
		       (long)jobs[1].count, (double)ratio, (long)total, state_name(mine.st),
		       (long)mine.count, EXTRA);
		usleep(10000);
	}
}
