/* Updated v1 -> v2 -> v3 and back to v1; hits changes type in v3. */
#include <stdio.h>
#include <unistd.h>

int hits = 0;

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
		printf("v1 n=%d hits=%d\n", n, hits);
		usleep(2000);
	}
	return 0;
}
