/* SPDX-License-Identifier: GPL-2.0 */
/* upstarectl subcommands: one file each, registered in upstarectl.c. */
#ifndef UPSTARE_CTL_H
#define UPSTARE_CTL_H

#include "json.h"

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

#endif
