/* Version 2: a new local counts the iterations since the update. */
#include <stdio.h>
#include <unistd.h>

int main(void)
{
	int n = 0;
	int since = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		n++;
		since++;
		printf("v2 n=%d since=%d\n", n, since);
		usleep(2000);
	}
	return 0;
}
