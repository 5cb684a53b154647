// SPDX-License-Identifier: GPL-2.0
/*
 * timeit OUT ERR PROG [ARG...]
 *
 * Run PROG with stdout to OUT and stderr to ERR, and print one line:
 *
 *   wall_s user_s sys_s maxrss_kb status
 *
 * status is the exit code, or 128 + the signal that ended it.  Used by
 * run-bench.sh: the times and the peak RSS come from wait4() of the one
 * child, so nothing else on the machine is counted.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

static int redirect(const char *path, int fd)
{
	int f = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (f < 0 || dup2(f, fd) < 0)
		return -1;
	close(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct timespec t0, t1;
	struct rusage ru;
	int status, code;
	pid_t pid;

	if (argc < 4) {
		fprintf(stderr, "usage: timeit OUT ERR PROG [ARG...]\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid = fork();
	if (pid < 0) {
		perror("timeit: fork");
		return 2;
	}
	if (pid == 0) {
		if (redirect(argv[1], 1) || redirect(argv[2], 2))
			_exit(126);
		execv(argv[3], argv + 3);
		_exit(127);
	}
	if (wait4(pid, &status, 0, &ru) != pid) {
		perror("timeit: wait4");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	printf("%.6f %.6f %.6f %ld %d\n",
	       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9,
	       tv_s(ru.ru_utime), tv_s(ru.ru_stime), ru.ru_maxrss, code);
	return 0;
}
