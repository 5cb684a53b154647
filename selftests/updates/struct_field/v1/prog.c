/* A struct global that the next version extends in the middle. */
#include <stdio.h>
#include <unistd.h>

struct stats {
	long requests;
	long bytes;
};

struct stats stats = { 0, 7 };

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		stats.requests++;
		printf("v1 requests=%ld bytes=%ld\n", stats.requests, stats.bytes);
		usleep(2000);
	}
	return 0;
}
