/* A main loop whose counter lives in a local: it must carry over. */
#include <stdio.h>
#include <unistd.h>

static int step(int i)
{
	return i + 1;
}

int main(void)
{
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n = step(n);
		printf("v1 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
