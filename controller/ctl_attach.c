// SPDX-License-Identifier: GPL-2.0
/* upstarectl attach / detach / window: the registry and the update window. */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "json.h"
#include "upstarectl.h"

int ctl_attach(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "signal", required_argument, NULL, 's' },
		{}
	};
	long pid = 0, sig = 0;
	struct json *r;
	char req[128];
	int c;

	while ((c = getopt_long(argc, argv, "p:s:", opts, NULL)) != -1) {
		if (c == 'p')
			pid = strtol(optarg, NULL, 10);
		else if (c == 's')
			sig = strtol(optarg, NULL, 10);
		else
			pid = -1;
	}
	if (pid <= 0) {
		fprintf(stderr, "usage: upstarectl attach --pid PID [--signal N]\n");
		return 2;
	}
	if (sig)
		snprintf(req, sizeof(req), "{\"cmd\":\"attach\",\"pid\":%ld,\"signal\":%ld}",
			 pid, sig);
	else
		snprintf(req, sizeof(req), "{\"cmd\":\"attach\",\"pid\":%ld}", pid);
	r = ctl_call(req);
	if (!r)
		return 1;
	printf("pid %ld: attached%s\n", pid,
	       json_bool(r, "instrumented", false) ? "" : " (no .upstare section: foreign)");
	json_free(r);
	return 0;
}

int ctl_detach(int argc, char **argv)
{
	struct json *r;
	char req[128];
	long pid;

	if (ctl_pid_opts(argc, argv, "detach --pid PID", &pid, NULL))
		return 2;
	snprintf(req, sizeof(req), "{\"cmd\":\"detach\",\"pid\":%ld}", pid);
	r = ctl_call(req);
	if (!r)
		return 1;
	printf("pid %ld: detached\n", pid);
	json_free(r);
	return 0;
}

int ctl_window(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "close", no_argument, NULL, 'c' },
		{}
	};
	long pid = 0;
	int c, close = 0;
	struct json *r;
	char req[128];

	while ((c = getopt_long(argc, argv, "p:c", opts, NULL)) != -1) {
		if (c == 'p')
			pid = strtol(optarg, NULL, 10);
		else if (c == 'c')
			close = 1;
		else
			pid = -1;
	}
	if (pid <= 0) {
		fprintf(stderr, "usage: upstarectl window --pid PID [--close]\n");
		return 2;
	}
	snprintf(req, sizeof(req), "{\"cmd\":\"window\",\"pid\":%ld,\"open\":%s}", pid,
		 close ? "false" : "true");
	r = ctl_call(req);
	if (!r)
		return 1;
	if (close)
		printf("pid %ld: update window closed, %lld signals sent\n", pid,
		       json_int(r, "kicks", 0));
	else
		printf("pid %ld: update window open, kick generation %lld, %lld signals sent\n",
		       pid, json_int(r, "kick_gen", 0), json_int(r, "kicks", 0));
	json_free(r);
	return 0;
}
