/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The commands upstare-cc runs (clang, objcopy, the patch's link): an
 * argument list built one string at a time, and a run that waits for it.
 * driver.c and patch.c both use it; neither calls the other for it.
 */
#ifndef UPSTARE_CMD_H
#define UPSTARE_CMD_H

#include <stdbool.h>

/* A NULL-terminated argument vector of malloc'd strings. */
struct argv_list {
	char **v;
	int n;
};

/* -v, UPSTARE_CC_VERBOSE: each command is shown on stderr before it runs. */
extern bool cmd_verbose;

void argv_list_push(struct argv_list *a, const char *s);
/* Run a->v (found in PATH) and wait: its exit status, 128 + a signal, or -errno. */
int cmd_run(const struct argv_list *a);

#endif
