// SPDX-License-Identifier: GPL-2.0
/*
 * kvstore version 2: each entry now counts how often it was read, GET
 * answers with the version and the count, and STATS is a new command.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct entry {
	char key[32];
	char val[64];
	long reads;
};

struct entry table[64];
int nentries = 0;
long requests = 0;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static struct entry *find(const char *key, int create)
{
	for (int i = 0; i < nentries; i++)
		if (!strcmp(table[i].key, key))
			return &table[i];
	if (!create || nentries == 64)
		return NULL;
	snprintf(table[nentries].key, sizeof(table[nentries].key), "%s", key);
	return &table[nentries++];
}

static int handle(char *line, char *out, size_t n)
{
	char key[32], val[64];
	struct entry *e;
	int len;

	pthread_mutex_lock(&lock);
	requests++;
	if (sscanf(line, "SET %31s %63s", key, val) == 2 && (e = find(key, 1))) {
		snprintf(e->val, sizeof(e->val), "%s", val);
		len = snprintf(out, n, "OK\n");
	} else if (sscanf(line, "GET %31s", key) == 1 && (e = find(key, 0))) {
		e->reads++;
		len = snprintf(out, n, "v2: %s = %s (read %ld times)\n", key, e->val, e->reads);
	} else if (!strncmp(line, "STATS", 5)) {
		len = snprintf(out, n, "v2: %d keys, %ld requests served\n", nentries,
			       requests);
	} else {
		len = snprintf(out, n, "ERROR\n");
	}
	pthread_mutex_unlock(&lock);
	return len;
}

static void *client(void *arg)
{
	int fd = (int)(long)arg, len;
	char buf[256], out[512];
	ssize_t r;

	for (;;) {
		r = read(fd, buf, sizeof(buf) - 1);
		if (r <= 0)
			break;
		buf[r] = 0;
		len = handle(buf, out, sizeof(out));
		write(fd, out, len);
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	pthread_attr_t attr;
	pthread_t t;
	int s, fd, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(argc > 1 ? atoi(argv[1]) : 7070);
	s = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 64)) {
		perror("kvstore");
		return 1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		fd = accept(s, NULL, NULL);
		if (fd >= 0)
			pthread_create(&t, &attr, client, (void *)(long)fd);
	}
	return 0;
}
