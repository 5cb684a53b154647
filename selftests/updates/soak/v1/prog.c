/*
 * A TCP server for the soak (update/soak), one thread per connection.  It
 * answers each line "N" with "v1:N" and "COUNT" with the number of lines it
 * answered.  v2 answers "v2:N" and counts in a long: every update moves
 * the counter.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#define COUNTER int
#define COUNT_FMT "count %d\n"
#endif

COUNTER served;

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
		if (!strncmp(buf, "COUNT", 5)) {
			len = snprintf(out, sizeof(out), COUNT_FMT,
				       __atomic_load_n(&served, __ATOMIC_SEQ_CST));
		} else {
			__atomic_add_fetch(&served, 1, __ATOMIC_SEQ_CST);
			len = snprintf(out, sizeof(out), VERSION ":%s", buf);
		}
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
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64) ||
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
