// SPDX-License-Identifier: GPL-2.0
/*
 * Signal handlers installed by name with signal(), in the initializer of
 * a struct sigaction (through the sa_sigaction macro), and by assignment to
 * sa_handler, and an atexit handler: all callbacks.  signal(SIGPIPE,
 * SIG_IGN) names no function, so a function of the handler type used only
 * through the program's own table stays reconstructible.
 */
// expect-nr: on_int on_usr2 on_term at_end
// expect-rebuildable: step main
#include <signal.h>
#include <stdlib.h>

static volatile sig_atomic_t hits;

static void on_int(int sig)
{
	hits += sig;
}

static void on_usr2(int sig, siginfo_t *si, void *uc)
{
	(void)si;
	(void)uc;
	hits += sig;
}

static void on_term(int sig)
{
	hits -= sig;
}

static void at_end(void)
{
	hits = 0;
}

static void step(int v)
{
	hits += v;
}

static void (*const steps[])(int) = { step };

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr2, .sa_flags = SA_SIGINFO };
	struct sigaction st;

	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_int);
	sigaction(SIGUSR2, &sa, NULL);
	st = sa;
	st.sa_handler = on_term;
	sigaction(SIGTERM, &st, NULL);
	atexit(at_end);
	steps[0](1);
	return hits;
}
