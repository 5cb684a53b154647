// SPDX-License-Identifier: GPL-2.0
/*
 * With _GNU_SOURCE, glibc declares the address parameters of bind,
 * connect, accept, accept4, getsockname, getpeername, sendto and recvfrom
 * as transparent unions (__SOCKADDR_ARG, __CONST_SOCKADDR_ARG), which any
 * sockaddr pointer converts to.  Here those calls take arguments computed
 * by program functions, and with side effects, so the instrumented build
 * evaluates them into temporaries before the call: the temporaries must
 * keep the pointer's type for the conversion to apply.  A program's own
 * transparent union parameter is passed the same way.  UDP and TCP on
 * 127.0.0.1, port 0; the output compares ports, it does not print them.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static struct sockaddr_in addrs[8];
static socklen_t lens[8];
static int calls;

static int fd(int s)
{
	calls++;
	return s;
}

static struct sockaddr *slot(int i)
{
	calls++;
	return (struct sockaddr *)&addrs[i];
}

static socklen_t *len_of(int i)
{
	calls++;
	lens[i] = sizeof(addrs[i]);
	return &lens[i];
}

static const struct sockaddr_in *loopback(int i)
{
	calls++;
	memset(&addrs[i], 0, sizeof(addrs[i]));
	addrs[i].sin_family = AF_INET;
	addrs[i].sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	return &addrs[i];
}

static socklen_t size_of(int i)
{
	calls++;
	return sizeof(addrs[i]);
}

static int same_port(int i, int j)
{
	return addrs[i].sin_family == AF_INET && addrs[i].sin_port &&
	       addrs[i].sin_port == addrs[j].sin_port;
}

typedef union {
	int *ip;
	long *lp;
} number_arg __attribute__((transparent_union));

static long show(const char *what, number_arg n, int is_long)
{
	long v = is_long ? *n.lp : *n.ip;

	printf("%s %ld\n", what, v);
	return v;
}

static int *int_at(int *p)
{
	calls++;
	return p;
}

static int udp(void)
{
	char buf[32] = { 0 };
	int rx = socket(AF_INET, SOCK_DGRAM, 0), tx = socket(AF_INET, SOCK_DGRAM, 0), k = 1;
	ssize_t n;

	if (rx < 0 || tx < 0)
		return -1;
	printf("udp bind %d\n", bind(fd(rx), (const struct sockaddr *)loopback(0), size_of(0)));
	printf("udp getsockname %d\n", getsockname(fd(rx), slot(1), len_of(1)));
	printf("udp tx bind %d\n", bind(tx, (struct sockaddr *)loopback(2), sizeof(addrs[2])));
	/* the address has side effects (k++) and a call follows: it is captured */
	printf("udp tx getsockname %d\n",
	       getsockname(tx, (struct sockaddr *)&addrs[2 + k++], len_of(3)));
	n = sendto(fd(tx), "datagram", 8, 0, (struct sockaddr *)&addrs[1], size_of(1));
	printf("udp sendto %zd\n", n);
	n = recvfrom(fd(rx), buf, sizeof(buf) - 1, 0, slot(4), len_of(4));
	printf("udp recvfrom %zd '%s' from the sender's port %d, len %u\n", n, buf,
	       same_port(4, 3), (unsigned)lens[4]);
	n = sendto(tx, "second", 6, 0, (const struct sockaddr_in *)&addrs[k - 1],
		   lens[k - 1]);
	printf("udp sendto again %zd (k %d)\n", n, k);
	memset(buf, 0, sizeof(buf));
	lens[5] = sizeof(addrs[5]);
	n = recvfrom(rx, buf, sizeof(buf) - 1, 0, (struct sockaddr_in *)slot(5), &lens[5]);
	printf("udp recvfrom again %zd '%s' %d\n", n, buf, same_port(5, 3));
	close(rx);
	close(tx);
	return 0;
}

static int tcp(void)
{
	char buf[32] = { 0 };
	int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), a, a2;
	int c2 = socket(AF_INET, SOCK_STREAM, 0);
	ssize_t n;

	if (l < 0 || c < 0 || c2 < 0)
		return -1;
	printf("tcp bind %d\n", bind(fd(l), (struct sockaddr *)loopback(0), size_of(0)));
	printf("tcp listen %d\n", listen(l, 4));
	printf("tcp getsockname %d\n", getsockname(fd(l), slot(1), len_of(1)));
	printf("tcp connect %d\n", connect(fd(c), slot(1) ? (struct sockaddr *)&addrs[1] : 0,
					   size_of(1)));
	a = accept(fd(l), slot(2), len_of(2));
	printf("tcp accept %d\n", a >= 0);
	printf("tcp getsockname client %d\n", getsockname(fd(c), slot(3), len_of(3)));
	printf("tcp peer is the client %d\n", same_port(2, 3));
	printf("tcp getpeername %d\n", getpeername(fd(c), slot(4), len_of(4)));
	printf("tcp client's peer is the listener %d\n", same_port(4, 1));
	printf("tcp connect 2 %d\n", connect(c2, (const struct sockaddr *)&addrs[1], lens[1]));
	a2 = accept4(fd(l), slot(5), len_of(5), SOCK_CLOEXEC);
	printf("tcp accept4 %d\n", a2 >= 0);
	printf("tcp getpeername 2 %d\n", getpeername(a2, slot(6), len_of(6)));
	printf("tcp getsockname 2 %d\n", getsockname(fd(c2), slot(7), len_of(7)));
	printf("tcp second peer %d %d\n", same_port(5, 7), same_port(6, 7));
	n = write(c, "stream", 6);
	n = read(a, buf, n);
	printf("tcp data %zd '%s'\n", n, buf);
	close(a2);
	close(c2);
	close(a);
	close(c);
	close(l);
	return 0;
}

int main(void)
{
	int i = 7;
	long v = 70000000000L;

	show("int", int_at(&i), 0);
	show("long", &v, 1);
	if (udp() || tcp())
		return 1;
	printf("calls %d\n", calls);
	return 0;
}
