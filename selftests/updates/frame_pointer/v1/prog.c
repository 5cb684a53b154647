/* A callee holds a pointer to its caller's local. */
#include <stdio.h>
#include <unistd.h>

static void accumulate(long *p)
{
	for (;;) {
		*p += 1;
		printf("v1 total=%ld at=%p\n", *p, (void *)p);
		usleep(2000);
	}
}

int main(void)
{
	long total = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	accumulate(&total);
	printf("v1 main total=%ld\n", total);
	return 0;
}
