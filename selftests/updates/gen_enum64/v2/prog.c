/* Version 2: TOP is one less, a change past a double's 53 bits. */
#include <stdio.h>
#include <unistd.h>

enum level { LOW = 1, TOP = 0x7ffffffffffffffe };

enum level level = LOW;

int main(void)
{
	long n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	level = TOP;
	for (;;) {
		n++;
		printf("v2 n=%ld top=%d\n", n, level == TOP);
		usleep(10000);
	}
}
