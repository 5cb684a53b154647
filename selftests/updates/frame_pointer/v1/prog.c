/* A callee holds pointers to its caller's parameter and to main's local. */
#include <stdio.h>
#include <unistd.h>

static void accumulate(long *p, long *kept)
{
	for (;;) {
		*p += 1;
		*kept += 1;
		printf("v1 total=%ld at=%p\n", *p, (void *)p);
		printf("v1 kept=%ld kat=%p\n", *kept, (void *)kept);
		usleep(2000);
	}
}

/*
 * total: an address-taken parameter, which stays in the native frame;
 * not inlined, so that its frame is below main's
 */
static __attribute__((noinline)) void run(long total, long *kept)
{
	accumulate(&total, kept);
	printf("v1 main total=%ld\n", total);
}

int main(void)
{
	long kept = 0;	/* address-taken: on the side stack */

	setvbuf(stdout, NULL, _IOLBF, 0);
	run(0, &kept);
	printf("v1 main kept=%ld\n", kept);
	return 0;
}
