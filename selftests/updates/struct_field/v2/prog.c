/* Version 2: a field inserted in the middle of struct stats. */
#include <stdio.h>
#include <unistd.h>

struct stats {
	long requests;
	long errors;
	long bytes;
};

struct stats stats = { 0, 0, 0 };

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		stats.requests++;
		printf("v2 requests=%ld errors=%ld bytes=%ld\n", stats.requests, stats.errors,
		       stats.bytes);
		usleep(2000);
	}
	return 0;
}
