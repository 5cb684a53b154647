// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl: command-line client of upstared.  One binary, one table of
 * subcommands, one file per subcommand (ctl_*.c).
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "ctl.h"

const char *ctl_prog = "upstarectl";

static const struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
} cmds[] = {
	{ "ps", ctl_ps, "ps [--json]                      list registered processes" },
	{ "attach", ctl_attach, "attach --pid PID [--signal N]    register a process" },
	{ "detach", ctl_detach, "detach --pid PID                 unregister a process" },
	{ "threads", ctl_threads, "threads --pid PID [--json]       threads and their readiness" },
	{ "window", ctl_window, "window --pid PID [--close]       open an update window (kick round)" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: upstarectl COMMAND [OPTIONS]\n\ncommands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
	fprintf(f, "\nThe socket is $UPSTARE_SOCKET or %s.\n", UPSTARE_DEFAULT_SOCKET);
}

int ctl_pid_opts(int argc, char **argv, const char *use, long *pid, int *json)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{}
	};
	int c;

	*pid = 0;
	if (json)
		*json = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:j", opts, NULL)) != -1) {
		if (c == 'p') {
			*pid = strtol(optarg, NULL, 10);
		} else if (c == 'j' && json) {
			*json = 1;
		} else {
			fprintf(stderr, "usage: upstarectl %s\n", use);
			return -1;
		}
	}
	if (*pid <= 0 && strstr(use, "--pid")) {
		fprintf(stderr, "usage: upstarectl %s\n", use);
		return -1;
	}
	return 0;
}

struct json *ctl_call(const char *req)
{
	struct json *r = client_call(ctl_prog, req);

	if (r && !json_bool(r, "ok", false)) {
		fprintf(stderr, "%s: %s\n", ctl_prog, json_str(r, "error") ?: "request failed");
		json_free(r);
		return NULL;
	}
	return r;
}

void ctl_print_json(const struct json *j)
{
	struct jbuf b = {};

	json_write(&b, j);
	puts(b.s);
	jb_free(&b);
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
	    !strcmp(argv[1], "help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "upstarectl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
