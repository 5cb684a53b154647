// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl: the command-line client of UpStare.  One binary, one file
 * per subcommand (ctl_NAME.c); this file only dispatches.
 */
#include <stdio.h>
#include <string.h>

#include "ctl.h"

static const struct ctl_cmd cmds[] = {
	{ "update", cmd_update, "update --pid PID --patch FILE [--timeout MS] [--json]" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: upstarectl COMMAND [ARGS]\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(f, "  %s\n", cmds[i].help);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].fn(argc - 1, argv + 1);
	fprintf(stderr, "upstarectl: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
