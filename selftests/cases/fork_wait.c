// SPDX-License-Identifier: GPL-2.0
/*
 * fork(): the child inherits the instrumented state and runs program
 * functions; the parent waits for it and reports its exit status, so the
 * output order is fixed.
 */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int compute(int v)
{
	int s = 0;

	for (int i = 0; i < v; i++)
		s += i % 7;
	return s;
}

int main(void)
{
	int status;
	pid_t pid;

	printf("before fork %d\n", compute(100));
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		printf("child %d\n", compute(1000));
		fflush(stdout);
		_exit(compute(10) % 256);
	}
	if (waitpid(pid, &status, 0) != pid)
		return 3;
	printf("parent %d child exit %d\n", compute(50), WEXITSTATUS(status));
	return 0;
}
