// SPDX-License-Identifier: GPL-2.0
/*
 * A signal handler that calls program functions, raised synchronously with
 * raise() from a nested call, installed with signal() and sigaction(), and
 * a volatile sig_atomic_t flag checked by a loop.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile sig_atomic_t hits, flag;
static int log_buf[16], nlog;

static void record(int v)
{
	log_buf[nlog++] = v;
}

static void on_usr1(int sig)
{
	hits++;
	record(sig == SIGUSR1 ? 1 : -1);
}

static void on_usr2(int sig, siginfo_t *info, void *uctx)
{
	record(info->si_signo == SIGUSR2 ? 2 : -2);
	flag = 1;
}

static int fire(int sig)
{
	return raise(sig);
}

int main(void)
{
	struct sigaction sa;
	int spins = 0;

	signal(SIGUSR1, on_usr1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_usr2;
	sa.sa_flags = SA_SIGINFO;
	sigaction(SIGUSR2, &sa, NULL);
	for (int i = 0; i < 3; i++)
		fire(SIGUSR1);
	fire(SIGUSR2);
	while (!flag)
		spins++;
	signal(SIGUSR1, SIG_IGN);
	fire(SIGUSR1);
	printf("hits=%d flag=%d spins=%d log:", hits, flag, spins);
	for (int i = 0; i < nlog; i++)
		printf(" %d", log_buf[i]);
	printf("\n");
	return 0;
}
