/*
 * Version 2 of the TCP server: the same protocol, with "v2" in front, and answers "BIG" with 16 MiB of a counting pattern.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define VERSION "v2"
#define BLOCK 4096

static void big(int fd)
{
	unsigned int block[BLOCK];
	unsigned long b;

	for (b = 0; b < 1024; b++) {
		for (int i = 0; i < BLOCK; i++)
			block[i] = b * BLOCK + i;
		write(fd, block, sizeof(block));
	}
}

static void *client(void *arg)
{
	int fd = (int)(long)arg, len;
	char buf[256], out[300];
	ssize_t n;

	for (;;) {
		n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			break;
		buf[n] = 0;
		if (!strncmp(buf, "BIG", 3)) {
			big(fd);
			continue;
		}
		len = snprintf(out, sizeof(out), VERSION ":%s", buf);
		write(fd, out, len);
	}
	close(fd);
	return NULL;
}

int main(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t al = sizeof(a);
	pthread_attr_t attr;
	pthread_t t;
	int s, fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 512) ||
	    getsockname(s, (struct sockaddr *)&a, &al))
		return 1;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	printf("port %d\n", ntohs(a.sin_port));
	for (;;) {
		fd = accept(s, NULL, NULL);
		if (fd >= 0)
			pthread_create(&t, &attr, client, (void *)(long)fd);
	}
	return 0;
}
