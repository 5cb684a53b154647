/* Version 2: send_binary became send_file. */
#include <stdio.h>
#include <unistd.h>

static void send_file(int fd)
{
	int chunks = 0;

	for (;;) {
		chunks++;
		printf("v2 send_file fd=%d chunk=%d\n", fd, chunks);
		usleep(2000);
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	send_file(7);
	return 0;
}
