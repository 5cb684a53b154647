// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl: the command-line client.  This file only dispatches: each
 * subcommand is one entry in the table below and one ctl_*.c file.
 */
#include <stdio.h>
#include <string.h>

#include "upstarectl.h"

struct ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct ctl_cmd cmds[] = {
	{ "ps", ctl_ps, "[--json]\n\tlist registered processes" },
	{ "attach", ctl_attach, "--pid PID [--signal N]\n\tregister a process" },
	{ "detach", ctl_detach, "--pid PID\n\tunregister a process" },
	{ "threads", ctl_threads, "--pid PID [--json]\n\tthreads and their readiness" },
	{ "window", ctl_window, "--pid PID [--close]\n\topen an update window (kick round)" },
	{ "update", ctl_update,
	  "--pid PID --patch FILE [--timeout MS] [--tree] [--constraints FILE [--explain]]\n"
	  "\t[--stacks] [--threads LIST] [--depth N] [--direct] [--json]:\n"
	  "\tapply a patch to a running program\n"
	  "\t(through upstared when it runs; --direct or no daemon: by itself)" },
	{ "check-constraints", ctl_check_constraints,
	  "FILE (--pid PID | --binary PATH) [--patch PATH [--explain]] [--dump] [--json]\n"
	  "\tvalidate a constraint file against a program, without updating it" },
};

static void usage(FILE *out)
{
	fprintf(out, "usage: upstarectl COMMAND [ARGS...]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %s %s\n", cmds[i].name, cmds[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "upstarectl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
