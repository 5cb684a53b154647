/*
 * A thread blocks every signal behind the runtime's back (a raw system
 * call, as a library could) and then waits in read() forever.
 */
#include "../../include/blocker.h"

int main(void)
{
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	start_blocker();
	for (;;) {
		n++;
		printf("v1 n=%d\n", n);
		usleep(2000);
	}
	return 0;
}
