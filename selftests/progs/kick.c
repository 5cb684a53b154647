// SPDX-License-Identifier: GPL-2.0
/*
 * Update-window kicks, seen from the target.  The kick signal (argv[1]) has
 * a handler installed without SA_RESTART that counts deliveries per thread.
 *
 *   reader   blocks in read() on an empty pipe; each EINTR prints
 *            "reader eintr N" (N = signals it received so far)
 *   spinner  spins until 'g' on stdin, then makes 200 short system calls
 *            and prints "spinner signals N"
 * 'r' prints "reader signals N"; EOF ends the process.  main retries
 * the EINTRs that kicks cause in its own read().
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int pipefd[2];
static volatile int go;
static volatile int reader_sigs, spinner_sigs;
static __thread volatile int *my_count;

static void on_kick(int sig)
{
	if (my_count)
		(*my_count)++;
}

static void *reader(void *arg)
{
	char c;

	my_count = &reader_sigs;
	printf("tid reader %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	for (;;) {
		if (read(pipefd[0], &c, 1) < 0 && errno == EINTR) {
			printf("reader eintr %d\n", reader_sigs);
			fflush(stdout);
		}
	}
	return NULL;
}

static void *spinner(void *arg)
{
	my_count = &spinner_sigs;
	printf("tid spinner %ld\n", (long)syscall(SYS_gettid));
	fflush(stdout);
	while (!go)
		;
	for (int i = 0; i < 200; i++)
		getppid();
	printf("spinner signals %d\n", spinner_sigs);
	fflush(stdout);
	return NULL;
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	pthread_t t;
	char c;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_kick;
	sigaction(argc > 1 ? atoi(argv[1]) : 40, &sa, NULL);
	if (pipe(pipefd))
		return 1;
	pthread_create(&t, NULL, reader, NULL);
	pthread_create(&t, NULL, spinner, NULL);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	/* main is kicked too: retry the EINTRs the kick causes. */
	for (;;) {
		ssize_t n = read(0, &c, 1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (c == 'g')
			go = 1;
		if (c == 'r') {
			printf("reader signals %d\n", reader_sigs);
			fflush(stdout);
		}
	}
	return 0;
}
