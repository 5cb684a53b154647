/*
 * A writer thread sends 8 MiB with writev() (two 64 KiB pieces per call)
 * to a reader thread that reads slowly and checks a counting pattern.  A
 * writev() that the update interrupts midway must still send everything:
 * the program checks that each call wrote all it was given.
 */
#include <pthread.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define VERSION "v1"
#define WORDS (16 * 1024)		/* per piece: 64 KiB */
#define CALLS 64

static int sv[2];
static unsigned int a[WORDS], b[WORDS];

static void *writer(void *arg)
{
	unsigned int next = 0;
	struct iovec iov[2];
	ssize_t r;

	(void)arg;
	for (int k = 0; k < CALLS; k++) {
		for (int i = 0; i < WORDS; i++)
			a[i] = next++;
		for (int i = 0; i < WORDS; i++)
			b[i] = next++;
		iov[0].iov_base = a;
		iov[0].iov_len = sizeof(a);
		iov[1].iov_base = b;
		iov[1].iov_len = sizeof(b);
		r = writev(sv[0], iov, 2);
		if (r != (ssize_t)(sizeof(a) + sizeof(b)))
			printf(VERSION " short writev %zd\n", r);
	}
	printf(VERSION " writer done\n");
	return NULL;
}

static void *reader(void *arg)
{
	unsigned int buf[1024], want = 0;
	unsigned long words = 0;
	size_t have = 0;
	ssize_t r;
	int bad = 0;

	(void)arg;
	while (words < 2ul * WORDS * CALLS) {
		r = read(sv[1], (char *)buf + have, sizeof(buf) - have);
		if (r <= 0)
			break;
		have += r;
		for (size_t i = 0; i < have / 4; i++, words++)
			bad |= buf[i] != want++;
		for (size_t i = 0; i < have % 4; i++)
			((char *)buf)[i] = ((char *)buf)[have / 4 * 4 + i];
		have %= 4;
		usleep(300);
	}
	printf(VERSION " reader words=%lu pattern=%s\n", words, bad ? "broken" : "ok");
	return NULL;
}

int main(void)
{
	pthread_t w, r;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&w, NULL, writer, NULL);
	for (;;) {
		if (++n == 20)
			printf(VERSION " main running\n");
		usleep(2000);
	}
	return 0;
}
