/* SPDX-License-Identifier: GPL-2.0 */
/* upstarectl subcommands: each takes its own argv (argv[0] is its name). */
#ifndef UPSTARE_CTL_CMDS_H
#define UPSTARE_CTL_CMDS_H

struct ctl_cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *help;
};

int cmd_update(int argc, char **argv);

#endif
