/* Version 2: counts by 1000 and says so. */
#include <stdio.h>
#include <unistd.h>

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
		printf("v2 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
