// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the upstarectl subcommands that talk to upstared.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "json.h"
#include "upstarectl.h"

const char *ctl_prog = "upstarectl";

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
