/* A function on the stack that the next version renames. */
#include <stdio.h>
#include <unistd.h>

static void send_binary(int fd)
{
	int chunks = 0;

	for (;;) {
		chunks++;
		printf("v1 send_binary fd=%d chunk=%d\n", fd, chunks);
		usleep(2000);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	send_binary(7);
	return 0;
}
