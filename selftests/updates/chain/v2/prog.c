/* Version 2: steps by 1000. */
#include <stdio.h>
#include <unistd.h>

int hits = 0;

static int step(int i)
{
	return i + 1000;
}

int main(void)
{
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n = step(n);
		hits++;
		printf("v2 n=%d hits=%d\n", n, hits);
		usleep(2000);
	}
	return 0;
}
