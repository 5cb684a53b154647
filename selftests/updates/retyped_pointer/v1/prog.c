/*
 * A module's state as memcached's crawler keeps it: a client whose output
 * buffer is a pointer to a struct in version 1 and a plain buffer (a char
 * pointer and two lengths) in version 2.  The buffer exists only while a
 * client is served; the program runs without one (-DBUSY: with one).
 * Version 2 initializes the buffer pointer to a default buffer.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
struct bipbuf {
	int size;
	char data[64];
};
typedef struct {
	void *c;
	int sfd;
	struct bipbuf *buf;
} client_t;
struct module {
	void *data;
	client_t c;
	int runs;
};
#define MOD_INIT
#endif

struct module mod MOD_INIT;
static int conn_stub;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	mod.c.c = &conn_stub;
	mod.c.sfd = 7;
#ifdef BUSY
	{
		static struct bipbuf b;

		mod.c.buf = &b;
	}
#endif
	for (long n = 1;; n++) {
		mod.runs++;
		printf(VERSION " n=%ld sfd=%d c=%d buf=%d runs=%d\n", n, mod.c.sfd,
		       mod.c.c == &conn_stub, mod.c.buf != NULL, mod.runs);
		usleep(10000);
	}
}
