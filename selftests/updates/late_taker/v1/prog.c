/*
 * The only thread is blocked in fgets() (a read() inside the C library,
 * which the update signal does not interrupt) until a child process
 * writes a line, 3 s after the start; then it loops through update
 * points.  An update asked with a 1 s deadline must be over (timed out)
 * before then: the thread must not take it when it comes back.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#endif

int main(void)
{
	char line[64];
	int fds[2];
	FILE *f;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(fds))
		return 1;
	if (fork() == 0) {
		sleep(3);
		if (write(fds[1], "hello\n", 6) != 6)
			return 1;
		return 0;
	}
	f = fdopen(fds[0], "r");
	printf(VERSION " ready\n");
	if (!fgets(line, sizeof(line), f))
		return 1;
	printf(VERSION " got %s", line);
	for (int n = 1;; n++) {
		printf(VERSION " n=%d\n", n);
		usleep(20000);
	}
}
