// SPDX-License-Identifier: GPL-2.0
/*
 * Wrapped blocking calls under the names glibc's headers give them: with
 * _FILE_OFFSET_BITS=64 sendfile() is declared with the asm label
 * "sendfile64", and the LFS name sendfile64() can be called directly; with
 * _FORTIFY_SOURCE (at -O2) read(), recv() and poll() are inline functions
 * of the system headers that call the real function through an alias
 * (__read_alias, asm label "read").  Each of these calls goes to a
 * libupstare wrapper, so it is a continuation point and the function
 * making it is not quiet: it has an update point at its entry.
 *
 * 40 rounds call the 7 functions below, so with a rebuild at every update
 * point the unwind run rebuilds a stack at each of their 280 entries, at
 * the 41 condition checks of main's loop over the rounds and of its first
 * loop (which calls fprintf: see slow_calls.c) and at its entry: 363, at
 * -O2 as at -O0 (--all-points, and no _FORTIFY_SOURCE).  Where these calls
 * were taken for calls into the C library, only send_from() was loud at
 * -O2: 123.
 *
 * upstare-test: cflags="-D_FILE_OFFSET_BITS=64" rebuilds=360-372
 */
#define _GNU_SOURCE
#ifdef __OPTIMIZE__
#define _FORTIFY_SOURCE 2
#endif
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#define ROUNDS 40

static int sv[2];

/* sendfile() is sendfile64() under _FILE_OFFSET_BITS=64 */
static ssize_t send_from(int in, off_t *off, size_t n)
{
	return sendfile(sv[0], in, off, n);
}

/* the LFS name itself */
static ssize_t send_from64(int in, off64_t *off, size_t n)
{
	return sendfile64(sv[0], in, off, n);
}

/* fortified read() into a buffer of unknown size */
static ssize_t take(char *buf, size_t n)
{
	return read(sv[1], buf, n);
}

/* fortified read() into a local array */
static int take_ends(size_t n)
{
	char buf[64];
	ssize_t r = read(sv[1], buf, n);

	return r > 0 ? buf[0] * 256 + buf[r - 1] : -1;
}

/* fortified recv() */
static int take_recv(size_t n)
{
	char buf[64];
	ssize_t r = recv(sv[1], buf, n, 0);

	return r > 0 ? buf[0] * 256 + buf[r - 1] : -1;
}

/* fortified poll() on a local array */
static int readable(nfds_t n)
{
	struct pollfd p[2] = { { .fd = sv[1], .events = POLLIN }, { .fd = sv[1] } };

	return poll(p, n, 0);
}

/* fortified poll() on an array of unknown size */
static int readable_at(struct pollfd *p)
{
	return poll(p, 1, 0);
}

int main(void)
{
	struct pollfd pf = { .fd = 0, .events = POLLIN };
	FILE *f = tmpfile();
	char text[40], got[40];
	off64_t off64;
	off_t off;
	int fd;

	if (!f || socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return 1;
	pf.fd = sv[1];
	for (int i = 0; i < ROUNDS; i++)
		fprintf(f, "%02d:abcdefghijklmnopqrstuvwxyz\n", i);
	fflush(f);
	fd = fileno(f);
	for (int i = 0; i < ROUNDS; i++) {
		size_t len = 30;

		off = (off_t)i * len;
		off64 = off;
		if (send_from(fd, &off, len) != (ssize_t)len || readable(1 + i % 2) != 1)
			return 2;
		memset(got, 0, sizeof(got));
		if (take(got, len) != (ssize_t)len || readable_at(&pf) != 0)
			return 3;
		snprintf(text, sizeof(text), "%.*s", (int)len - 1, got);
		if (send_from64(fd, &off64, len) != (ssize_t)len)
			return 4;
		printf("%s %lld %lld %d %d\n", text, (long long)off, (long long)off64,
		       take_ends(len / 2), take_recv(len - len / 2));
	}
	return 0;
}
