// SPDX-License-Identifier: GPL-2.0
/*
 * corpus BYTES
 *
 * Write BYTES bytes of made-up data that compresses like real files to
 * stdout, the same bytes on every machine: run-bench.sh's input for bzip2.
 *
 * The data is a sequence of blocks of 4 to 64 KB, each of one kind:
 *
 *   prose   words of a 4096-word vocabulary, the frequent ones far more
 *           often than the rare ones, in sentences and paragraphs
 *   log     server log lines: timestamps that advance, a few hosts,
 *           request paths made of words, status codes, sizes, durations
 *   records fixed-size binary records (ids that count up, small integers,
 *           slowly moving 32-bit samples, zero padding), like a table or
 *           an object file's arrays
 *   noise   random bytes, like data that is already compressed
 *
 * in the proportions 40, 30, 22 and 8 in 100 blocks.  bzip2 -9 makes it
 * about a third of its size.  Only integer arithmetic on one 64-bit
 * generator with a fixed seed, so no libm or rand() difference changes it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NWORDS	4096

static uint64_t state = 0x5eed2024bc0ffee5ULL;
static char vocab[NWORDS][16];
static unsigned long long left;

/* splitmix64 */
static uint64_t next(void)
{
	uint64_t z = (state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* uniform in [0, n) */
static unsigned int rnd(unsigned int n)
{
	return (unsigned int)((next() >> 32) * n >> 32);
}

/* a rank in [0, n): rank r about log(n / r) times as likely as uniform, twice over */
static unsigned int skewed(unsigned int n)
{
	return rnd(rnd(rnd(n) + 1) + 1);
}

static int put(const void *p, size_t len)
{
	if (len > left)
		len = left;
	if (len && fwrite(p, 1, len, stdout) != len)
		return -1;
	left -= len;
	return 0;
}

static void make_vocab(void)
{
	static const char *const syl[] = {
		"a", "an", "ar", "be", "ca", "de", "di", "en", "er", "es", "for", "ge",
		"in", "is", "ka", "le", "li", "ma", "ne", "no", "on", "or", "pa", "pro",
		"que", "ra", "re", "ri", "sa", "se", "st", "ta", "te", "ti", "to", "tra",
		"un", "ve", "vi", "wo",
	};
	unsigned int nsyl = sizeof(syl) / sizeof(syl[0]);

	for (unsigned int i = 0; i < NWORDS; i++) {
		/* the frequent words are the short ones */
		unsigned int n = 1 + (i >= 64) + (i >= 512) + rnd(i >= 1024 ? 3 : 2);

		vocab[i][0] = 0;
		while (n--)
			strcat(vocab[i], syl[rnd(nsyl)]);
	}
}

static int prose(size_t len)
{
	char buf[65536 + 256];
	size_t n = 0, col = 0;
	int start = 1;

	while (n < len) {
		const char *w = vocab[skewed(NWORDS)];
		size_t wl = strlen(w);

		if (col + wl + 1 > 72) {
			buf[n++] = '\n';
			col = 0;
		} else if (col) {
			buf[n++] = ' ';
			col++;
		}
		memcpy(buf + n, w, wl);
		if (start)
			buf[n] -= 'a' - 'A';
		n += wl;
		col += wl;
		start = 0;
		switch (rnd(16)) {
		case 0:
			buf[n++] = ',';
			col++;
			break;
		case 1:
		case 2:
			buf[n++] = '.';
			col++;
			start = 1;
			if (!rnd(6)) {
				buf[n++] = '\n';
				buf[n++] = '\n';
				col = 0;
			}
			break;
		}
	}
	buf[n++] = '\n';
	return put(buf, n);
}

static int log_lines(size_t len)
{
	static const char *const method[] = { "GET", "GET", "GET", "POST", "PUT", "DELETE" };
	static const int status[] = { 200, 200, 200, 200, 304, 301, 404, 500 };
	static unsigned long long ms = 1717750000000ULL;
	char buf[65536 + 512];
	size_t n = 0;

	while (n < len) {
		/* one draw per statement: the order of a call's arguments is not fixed */
		unsigned long long s;
		unsigned int host, pid, id, bytes, took;
		const char *m, *w[3];
		int st;

		ms += rnd(400);
		s = ms / 1000;
		host = rnd(12);
		pid = 4000 + rnd(64);
		m = method[rnd(6)];
		w[0] = vocab[skewed(256)];
		w[1] = vocab[skewed(NWORDS)];
		w[2] = vocab[skewed(NWORDS)];
		id = rnd(100000);
		st = status[rnd(8)];
		bytes = 200 + skewed(60000);
		took = 1 + skewed(900);
		n += sprintf(buf + n, "2024-06-%02llu %02llu:%02llu:%02llu.%03llu host-%02u worker[%u]: "
			     "%s /%s/%s/%s?id=%u %d %u bytes in %u ms\n",
			     7 + s / 86400 % 20, s / 3600 % 24, s / 60 % 60, s % 60, ms % 1000,
			     host, pid, m, w[0], w[1], w[2], id, st, bytes, took);
	}
	return put(buf, n);
}

static int records(size_t len)
{
	static uint32_t id = 1;
	static int32_t sample[4] = { 1000, -2000, 50000, 7 };
	unsigned char buf[65536 + 64];
	size_t n = 0;

	while (n < len) {
		uint32_t v[8];

		for (int k = 0; k < 4; k++)
			sample[k] += (int32_t)rnd(33) - 16;
		v[0] = id++;
		v[1] = skewed(16);
		v[2] = rnd(4) ? 0 : skewed(1 << 20);
		v[3] = (uint32_t)sample[0];
		v[4] = (uint32_t)sample[1];
		v[5] = (uint32_t)sample[2];
		v[6] = (uint32_t)sample[3];
		v[7] = 0;
		for (int k = 0; k < 8; k++)
			for (int b = 0; b < 4; b++)
				buf[n++] = (unsigned char)(v[k] >> (8 * b));
	}
	return put(buf, n);
}

static int noise(size_t len)
{
	unsigned char buf[65536 + 8];
	size_t n = 0;

	while (n < len) {
		uint64_t x = next();

		for (int b = 0; b < 8; b++)
			buf[n++] = (unsigned char)(x >> (8 * b));
	}
	return put(buf, n);
}

int main(int argc, char **argv)
{
	char *end;

	if (argc != 2 || !(left = strtoull(argv[1], &end, 10)) || *end) {
		fprintf(stderr, "usage: corpus BYTES\n");
		return 2;
	}
	make_vocab();
	while (left) {
		size_t len = 4096 + rnd(61441);
		unsigned int kind = rnd(100);
		int err;

		if (kind < 40)
			err = prose(len);
		else if (kind < 70)
			err = log_lines(len);
		else if (kind < 92)
			err = records(len);
		else
			err = noise(len);
		if (err) {
			perror("corpus: write");
			return 1;
		}
	}
	return fflush(stdout) ? 1 : 0;
}
