// SPDX-License-Identifier: GPL-2.0
/*
 * A process that forks on request (security/registry_limit), built with
 * upstare-cc so that upstared registers it on exec and its children at
 * fork.  Commands on stdin, one per line: "fork N" forks N children that
 * wait until they are killed and prints "forked N:" and their pids; "kill" kills and reaps
 * them all and prints "killed".  At EOF it kills them and exits.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_KIDS 256

static pid_t kids[MAX_KIDS];
static int nkids;

static void kill_all(void)
{
	for (int i = 0; i < nkids; i++)
		kill(kids[i], SIGKILL);
	for (int i = 0; i < nkids; i++)
		waitpid(kids[i], NULL, 0);
	nkids = 0;
}

int main(void)
{
	char line[64];
	int n;

	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready %d\n", (int)getpid());
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "fork %d", &n) == 1) {
			int first = nkids;

			for (int i = 0; i < n && nkids < MAX_KIDS; i++) {
				pid_t p = fork();

				if (p == 0) {
					for (;;)
						pause();
				}
				if (p > 0)
					kids[nkids++] = p;
			}
			printf("forked %d:", n);
			for (int i = first; i < nkids; i++)
				printf(" %d", (int)kids[i]);
			printf("\n");
		} else if (line[0] == 'k') {
			kill_all();
			printf("killed\n");
		}
	}
	kill_all();
	return 0;
}
