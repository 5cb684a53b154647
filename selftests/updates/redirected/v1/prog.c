/*
 * Blocking calls under the names glibc's headers give them, in small
 * functions that make no other call: sendfile() is sendfile64() under
 * _FILE_OFFSET_BITS=64, and read() is an inline function calling
 * __read_alias (asm label "read") under _FORTIFY_SOURCE.
 *
 * A writer thread sends 8 MiB of a counting pattern from a file to a pipe
 * with sendfile(), 256 KiB a piece, sending the rest of a piece again
 * after a short count as vsftpd does, to a reader thread that reads slowly
 * and checks the pattern; no call may fail.  A third thread waits in
 * read() on an empty pipe for a line that version 2's main writes.
 */
#define _FILE_OFFSET_BITS 64
#define _FORTIFY_SOURCE 2
#include <pthread.h>
#include <stdio.h>
#include <sys/sendfile.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#define WAKE_WAITER 0	/* version 2 writes the line the waiter reads */
#endif
#define WORDS (2 * 1024 * 1024)		/* 8 MiB */
#define PIECE (256 * 1024)
#define CALLS (WORDS * 4 / PIECE)

static int data[2], idle[2], file;

static ssize_t send_some(off_t *off, size_t n)
{
	return sendfile(data[1], file, off, n);
}

static ssize_t take(int fd, char *buf, size_t n)
{
	return read(fd, buf, n);
}

static void *writer(void *arg)
{
	off_t off = 0;
	ssize_t r;

	(void)arg;
	for (int k = 0; k < CALLS; k++) {
		for (size_t left = PIECE; left; left -= r) {
			r = send_some(&off, left);
			if (r <= 0) {
				printf(VERSION " sendfile failed: %zd %m\n", r);
				return NULL;
			}
		}
	}
	printf(VERSION " writer done off=%lld\n", (long long)off);
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
	while (words < WORDS) {
		r = take(data[0], (char *)buf + have, sizeof(buf) - have);
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

static void *waiter(void *arg)
{
	char line[64];
	ssize_t r;

	(void)arg;
	r = take(idle[0], line, sizeof(line));
	printf(VERSION " waiter got %zd %.*s", r, r > 0 ? (int)r : 0, line);
	return NULL;
}

/* The pattern the reader checks, in an unlinked file. */
static int make_file(void)
{
	static unsigned int chunk[PIECE / 4];
	unsigned int next = 0;
	FILE *f = tmpfile();

	for (int k = 0; f && k < CALLS; k++) {
		for (int i = 0; i < PIECE / 4; i++)
			chunk[i] = next++;
		fwrite(chunk, sizeof(chunk), 1, f);
	}
	return f && !fflush(f) ? fileno(f) : -1;
}

int main(void)
{
	pthread_t w, r, i;
	int n = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	file = make_file();
	if (file < 0 || pipe(data) || pipe(idle))
		return 1;
	pthread_create(&i, NULL, waiter, NULL);
	pthread_create(&r, NULL, reader, NULL);
	pthread_create(&w, NULL, writer, NULL);
	for (;;) {
		if (++n == 20)
			printf(VERSION " main running\n");
		if (WAKE_WAITER && n % 100 == 0 && write(idle[1], "hello\n", 6) != 6)
			return 2;
		usleep(2000);
	}
	return 0;
}
