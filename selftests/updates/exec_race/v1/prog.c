/*
 * Started with no argument: a thread blocks every signal behind the
 * runtime's back and waits in read() (upstared never finds it ready), and
 * after about two seconds the program runs exec() on itself with the
 * argument "again".  The new image has one thread, always ready.
 */
#include "../../include/blocker.h"

#ifndef VERSION
#define VERSION "v1"
#endif

int main(int argc, char **argv)
{
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc > 1) {
		for (;;) {
			printf(VERSION " again n=%d\n", ++n);
			usleep(2000);
		}
	}
	start_blocker();
	for (;;) {
		printf(VERSION " n=%d\n", ++n);
		usleep(2000);
		if (n == 1000) {
			printf("exec\n");
			execl("/proc/self/exe", argv[0], "again", (char *)NULL);
		}
	}
	return 0;
}
