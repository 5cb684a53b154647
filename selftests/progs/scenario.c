// SPDX-License-Identifier: GPL-2.0
/*
 * Observation scenario: one thread in each state the controller must tell
 * apart.  main starts the threads, forks a child that sleeps, prints
 * "ready <pid>" and waits on stdin's pipe; the test reads the thread ids
 * from stdout ("tid ROLE TID") and compares them with upstarectl threads.
 *
 *   spinner   running a computation loop
 *   plainspin running a loop in plain_spin() (plainspin.c), which upstare-cc
 *             did not instrument: it never reaches an update point
 *   reader    blocked in read() on an empty pipe
 *   holder    holds a mutex and sleeps in nanosleep
 *   locker    waits on the mutex the holder keeps (contended glibc mutex)
 *   condwait  in pthread_cond_wait
 *   sleeper   in nanosleep
 *   masked    in nanosleep with the kick signal (36) masked, as a library
 *             might do behind the runtime's back (raw rt_sigprocmask)
 *   unsafe    in nanosleep inside a function that uses alloca(), which
 *             upstare-cc marks non-reconstructible
 * A "late" thread is started when main reads a line 'l' from stdin, and
 * stops when it reads 'q'; 'x' ends the process.
 */
#define _GNU_SOURCE
#include <alloca.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t cond_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t holding;
static int pipefd[2];
static volatile int stop_late;
static volatile unsigned long spins;

static void announce(const char *role)
{
	printf("tid %s %ld\n", role, (long)syscall(SYS_gettid));
	fflush(stdout);
}

static unsigned long spin_step(unsigned long x)
{
	return x * 6364136223846793005UL + 1442695040888963407UL;
}

void plain_spin(volatile unsigned long *x);	/* plainspin.c */

static volatile unsigned long plain_spins;

static void *plain_spinner(void *arg)
{
	announce("plainspin");
	plain_spin(&plain_spins);
	return NULL;
}

static void *spinner(void *arg)
{
	unsigned long x = 1;

	announce("spinner");
	for (;;) {
		x = spin_step(x);
		spins = x;
	}
	return NULL;
}

static long read_request(int fd, char *buf, unsigned long len)
{
	return read(fd, buf, len);
}

static void *reader(void *arg)
{
	char buf[16];

	announce("reader");
	for (;;)
		if (read_request(pipefd[0], buf, sizeof(buf)) <= 0)
			break;
	return NULL;
}

static void nap(long sec)
{
	struct timespec ts = { sec, 0 };

	nanosleep(&ts, NULL);
}

static void *holder(void *arg)
{
	announce("holder");
	pthread_mutex_lock(&lock);
	pthread_barrier_wait(&holding);
	for (;;)
		nap(1000);
	return NULL;
}

static void take_lock(void)
{
	pthread_mutex_lock(&lock);
	pthread_mutex_unlock(&lock);
}

static void *locker(void *arg)
{
	announce("locker");
	take_lock();
	return NULL;
}

static void wait_event(void)
{
	pthread_mutex_lock(&cond_lock);
	pthread_cond_wait(&cond, &cond_lock);
	pthread_mutex_unlock(&cond_lock);
}

static void *condwait(void *arg)
{
	announce("condwait");
	for (;;)
		wait_event();
	return NULL;
}

static void *sleeper(void *arg)
{
	announce("sleeper");
	for (;;)
		nap(1000);
	return NULL;
}

static void *masked(void *arg)
{
	unsigned long set = 1UL << (36 - 1);

	announce("masked");
	syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, NULL, sizeof(set));
	for (;;)
		nap(1000);
	return NULL;
}

static void scratch_wait(unsigned long n)
{
	char *buf = alloca(n);

	memset(buf, 0, n);
	for (;;)
		nap(1000);
}

static void *unsafe(void *arg)
{
	announce("unsafe");
	scratch_wait(64);
	return NULL;
}

static void *late(void *arg)
{
	announce("late");
	while (!stop_late)
		nap(0);
	return NULL;
}

static int start(void *(*fn)(void *))
{
	pthread_t t;

	return pthread_create(&t, NULL, fn, NULL);
}

static void child_main(void)
{
	announce("child");
	for (;;)
		nap(1000);
}

int main(void)
{
	pthread_t late_thread;
	pid_t child;
	int c;

	if (pipe(pipefd))
		return 1;
	pthread_barrier_init(&holding, NULL, 2);
	announce("main");
	start(spinner);
	start(plain_spinner);
	start(reader);
	start(holder);
	pthread_barrier_wait(&holding);
	start(locker);
	start(condwait);
	start(sleeper);
	start(masked);
	start(unsafe);
	child = fork();
	if (child == 0) {
		child_main();
		return 0;
	}
	printf("child %d\n", (int)child);
	printf("ready %d\n", (int)getpid());
	fflush(stdout);
	while ((c = getchar()) != EOF && c != 'x') {
		if (c == 'l') {
			stop_late = 0;
			pthread_create(&late_thread, NULL, late, NULL);
		} else if (c == 'q') {
			stop_late = 1;
			pthread_join(late_thread, NULL);
			printf("late joined\n");
			fflush(stdout);
		}
	}
	kill(child, 9);
	waitpid(child, NULL, 0);
	return 0;
}
