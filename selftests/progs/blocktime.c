// SPDX-License-Identifier: GPL-2.0
/*
 * Time-blocked scenario (observe/blocked): a spinner thread that never
 * sleeps, and main, which prints "reading TID" just before each read() of
 * a line from stdin, so the test knows when each sleep began.  The spinner
 * announces itself with "tid spinner TID".  EOF ends the process.
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile unsigned long spins;

static void *spinner(void *arg)
{
	unsigned long x = 1;

	printf("tid spinner %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	for (;;) {
		x = x * 6364136223846793005UL + 1442695040888963407UL;
		spins = x;
	}
	return NULL;
}

static long wait_line(char *buf, unsigned long len)
{
	printf("reading %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	return read(0, buf, len);
}

int main(void)
{
	pthread_t t;
	char buf[64];

	if (pthread_create(&t, NULL, spinner, NULL))
		return 1;
	while (wait_line(buf, sizeof(buf)) > 0)
		;
	return 0;
}
