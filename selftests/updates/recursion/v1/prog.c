/* 1000 frames deep, waiting at the bottom: every frame must come back. */
#include <stdio.h>
#include <unistd.h>

static int ticks;

static long rec(int depth)
{
	long below;

	if (depth == 0) {
		for (;;) {
			printf("v1 bottom tick=%d\n", ++ticks);
			usleep(2000);
		}
	}
	below = rec(depth - 1);
	return below + depth;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("sum=%ld\n", rec(1000));
	return 0;
}
