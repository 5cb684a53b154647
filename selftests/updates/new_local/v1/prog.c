/* main is active for good: version 2 gives it a new local. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n++;
		printf("v1 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
