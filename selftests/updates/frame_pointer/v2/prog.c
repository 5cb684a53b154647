/* Version 2: adds 10 at a time and returns after 5 rounds; main's frame grew. */
#include <stdio.h>
#include <unistd.h>

static void accumulate(long *p)
{
	for (int i = 0;; i++) {
		*p += 10;
		printf("v2 total=%ld at=%p\n", *p, (void *)p);
		if (i == 4)
			return;
		usleep(2000);
	}
}

int main(void)
{
	volatile char pad[4096];	/* moves total in the new frame */
	long total = 0;

	pad[0] = 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	accumulate(&total);
	printf("v2 main total=%ld\n", total);
	return 0;
}
