/*
 * An enum with a value that needs all 64 bits: version 2 changes it by
 * one, which a double (53 bits) does not see.  The global is set at run
 * time, so it does not keep its initial value.
 */
#include <stdio.h>
#include <unistd.h>

enum level { LOW = 1, TOP = 0x7fffffffffffffff };

enum level level = LOW;

int main(void)
{
	long n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	level = TOP;
	for (;;) {
		n++;
		printf("v1 n=%ld top=%d\n", n, level == TOP);
		usleep(10000);
	}
}
