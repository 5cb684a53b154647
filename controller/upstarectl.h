/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upstarectl subcommands.  Each lives in its own ctl_*.c file and is called
 * with the arguments after its name (argv[0] is the subcommand's name); it
 * returns the process exit status: 0 success, 1 failure, 2 usage error.
 */
#ifndef UPSTARECTL_H
#define UPSTARECTL_H

int ctl_check_constraints(int argc, char **argv);
int ctl_update(int argc, char **argv);

#endif
