// SPDX-License-Identifier: GPL-2.0
/*
 * update/tcp_server: a TCP server with a thread per connection and 200
 * idle clients connected is updated while it sends 16 MiB to one more
 * client that reads slowly.  Every connection survives and answers with
 * the new version's reply, and the transfer in progress arrives whole: no
 * byte lost or duplicated (a counting pattern, checked word by word).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "updlib.h"

#define NCLIENTS 200
#define BIG_WORDS (1024ul * 4096)

struct big {
	int fd;
	unsigned long words;	/* received */
	long bad;		/* index of the first wrong word, or -1 */
};

static void *read_big(void *p)
{
	struct big *b = p;
	unsigned int buf[4096];
	size_t have = 0;	/* bytes in buf */
	ssize_t r;

	b->bad = -1;
	while (b->words < BIG_WORDS) {
		r = read(b->fd, (char *)buf + have, sizeof(buf) - have);
		if (r <= 0)
			break;
		have += r;
		for (size_t i = 0; i < have / 4; i++, b->words++)
			if (buf[i] != b->words && b->bad < 0)
				b->bad = b->words;
		memmove(buf, buf + have / 4, have % 4);
		have %= 4;
		usleep(200);	/* slow: the server's writes block */
	}
	return NULL;
}

static enum test_result run(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct big big = { .fd = -1 };
	int fds[NCLIENTS], port, n = 0;
	bool reader = false;
	char buf[256];
	struct upd u;
	pthread_t t;

	if (!upd_init(&u, ctx, "tcp_server", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c") || !upd_run(&u, "port "))
		goto out;
	port = upd_first_value(&u, "port ");
	for (; n < NCLIENTS; n++) {
		snprintf(buf, sizeof(buf), "hello %d\n", n);
		fds[n] = loopback_connect(port, 10);
		if (!ASSERT_TRUE(fds[n] >= 0, "connect") || !ASSERT_TRUE(upd_ask(fds[n], buf, buf,
		    sizeof(buf)), "v1 reply") || !ASSERT_TRUE(!strncmp(buf, "v1:hello", 8), buf))
			goto out;
	}
	big.fd = loopback_connect(port, 10);
	if (!ASSERT_TRUE(big.fd >= 0, "connect big") ||
	    !ASSERT_EQ(write(big.fd, "BIG\n", 4), 4, "ask for 16 MiB"))
		goto out;
	reader = !pthread_create(&t, NULL, read_big, &big);
	usleep(50000);	/* the transfer is under way */
	if (!upd_expect(&u, "v2.so", 10000, "applied", "result"))
		goto out;
	for (int i = 0; i < NCLIENTS; i++) {
		char want[64];

		snprintf(buf, sizeof(buf), "again %d\n", i);
		snprintf(want, sizeof(want), "v2:again %d\n", i);
		if (!ASSERT_TRUE(upd_ask(fds[i], buf, buf, sizeof(buf)), "connection survived") ||
		    !ASSERT_STREQ(buf, want, "v2 reply"))
			goto out;
	}
	pthread_join(t, NULL);
	reader = false;
	if (!ASSERT_EQ(big.words, BIG_WORDS, "16 MiB received") ||
	    !ASSERT_EQ(big.bad, -1, "no byte lost or duplicated"))
		goto out;
	res = TEST_PASS;
out:
	if (res != TEST_PASS) { char *o = upd_output(&u, NULL); test_log("%.2000s", o); free(o); }
	upd_stop(&u);
	if (reader)
		pthread_join(t, NULL);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	if (big.fd >= 0)
		close(big.fd);
	return res;
}

UPDATE_TEST(tcp_server, run)
