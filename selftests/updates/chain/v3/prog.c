/* Version 3: hits is a long. */
#include <stdio.h>
#include <unistd.h>

long hits = 0;

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
		hits++;
		printf("v3 n=%d hits=%ld\n", n, hits);
		usleep(2000);
	}
	return 0;
}
