/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upstarectl subcommands.  Each lives in its own ctl_*.c file and is called
 * with the arguments after its name (argv[0] is the subcommand's name); it
 * returns the process exit status: 0 success, 1 failure, 2 usage error.
 */
#ifndef UPSTARECTL_H
#define UPSTARECTL_H

struct json;

int ctl_threads(int argc, char **argv);
int ctl_ps(int argc, char **argv);
int ctl_attach(int argc, char **argv);
int ctl_detach(int argc, char **argv);
int ctl_window(int argc, char **argv);

/* Helpers shared by the subcommands. */
extern const char *ctl_prog;
/* Parse "--pid N [--json]" style options; returns 0 or prints usage and -1. */
int ctl_pid_opts(int argc, char **argv, const char *usage, long *pid, int *json);
/* Send req; on "ok":false print the error and return NULL. */
struct json *ctl_call(const char *req);
/* Print a JSON value on one line to stdout. */
void ctl_print_json(const struct json *j);

int ctl_check_constraints(int argc, char **argv);
int ctl_update(int argc, char **argv);

#endif
