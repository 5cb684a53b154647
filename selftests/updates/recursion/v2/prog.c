/* Version 2: the bottom stops after 50 ticks; each frame adds its depth twice. */
#include <stdio.h>
#include <unistd.h>

static int ticks, after;

static long rec(int depth)
{
	long below;

	if (depth == 0) {
		for (;;) {
			printf("v2 bottom tick=%d\n", ++ticks);
			if (++after == 50)	/* long enough for upstarectl to see the result */
				return 0;
			usleep(2000);
		}
	}
	below = rec(depth - 1);
	return below + 2 * depth;
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("v2 sum=%ld\n", rec(1000));
	return 0;
}
