// SPDX-License-Identifier: GPL-2.0
/*
 * Handlers installed in ways the callback detection must see: a
 * sigaction whose handler is set in its initializer (through the
 * sa_sigaction macro, a member of an anonymous union), signal() with a
 * handler taken from a table, and atexit().  Signals are raised from
 * nested calls, so the handlers run on top of instrumented frames.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
static volatile sig_atomic_t hits;
static int log_buf[64], nlog;
static void record(int v) { log_buf[nlog++ & 63] = v; }
static void on_usr1(int sig) { hits++; record(sig * 10 + (int)hits); }
static void on_usr2(int sig, siginfo_t *si, void *uc) { (void)si; (void)uc; hits += 2; record(sig); }
static void done(void) { record(999); printf("atexit %d\n", nlog); }
struct table { int sig; void (*fn)(int); };
static struct table handlers[] = { { SIGUSR1, on_usr1 } };
static void deep(int n) { if (n) { deep(n - 1); return; } raise(SIGUSR1); raise(SIGUSR2); }
int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_usr2, .sa_flags = SA_SIGINFO };
	sigaction(SIGUSR2, &sa, NULL);
	signal(handlers[0].sig, handlers[0].fn);
	atexit(done);
	for (int i = 0; i < 20; i++)
		deep(i % 5);
	printf("hits=%d nlog=%d last=%d\n", (int)hits, nlog, log_buf[(nlog - 1) & 63]);
	return 0;
}
