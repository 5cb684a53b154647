// SPDX-License-Identifier: GPL-2.0
/* The commands upstare-cc runs (cmd.h). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cmd.h"
#include "strbuf.h"

bool cmd_verbose;

void argv_list_push(struct argv_list *a, const char *s)
{
	a->v = xrealloc(a->v, (a->n + 2) * sizeof(char *));
	a->v[a->n++] = xstrdup(s);
	a->v[a->n] = NULL;
}

int cmd_run(const struct argv_list *a)
{
	pid_t pid;
	int status;

	if (cmd_verbose) {
		fputs("upstare-cc:", stderr);
		for (int i = 0; i < a->n; i++)
			fprintf(stderr, " %s", a->v[i]);
		fputc('\n', stderr);
	}
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execvp(a->v[0], a->v);
		fprintf(stderr, "upstare-cc: cannot run %s: %s\n", a->v[0], strerror(errno));
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}
