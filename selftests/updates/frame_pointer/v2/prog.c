/* Version 2: adds 10 at a time and returns after 5 rounds; main's frame grew. */
#include <stdio.h>
#include <unistd.h>

static void accumulate(long *p, long *kept)
{
	for (int i = 0;; i++) {
		*p += 10;
		*kept += 10;
		printf("v2 total=%ld at=%p\n", *p, (void *)p);
		printf("v2 kept=%ld kat=%p\n", *kept, (void *)kept);
		if (i == 4)
			return;
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
	printf("v2 main total=%ld\n", total);
}

int main(void)
{
	/*
	 * moves run()'s native frame, and the parameter in it (an array only
	 * ever subscripted stays in the native frame)
	 */
	char pad[4096];
	long kept = 0;	/* address-taken: on the side stack */

	setvbuf(stdout, NULL, _IOLBF, 0);
	run(0, &kept);
	__asm__ volatile("" : : "r"(pad[0]));	/* pad is used */
	printf("v2 main kept=%ld\n", kept);
	return 0;
}
