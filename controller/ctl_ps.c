// SPDX-License-Identifier: GPL-2.0
/* upstarectl ps: the registered processes. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "upstarectl.h"

int ctl_ps(int argc, char **argv)
{
	struct json *r, *procs, *p;
	long pid;
	int json;

	if (ctl_pid_opts(argc, argv, "ps [--json]", &pid, &json))
		return 2;
	r = ctl_call("{\"cmd\":\"ps\"}");
	if (!r)
		return 1;
	procs = json_get(r, "procs");
	if (json) {
		ctl_print_json(procs);
	} else {
		printf("%7s %7s %-16s %-5s %s\n", "PID", "PARENT", "COMM", "INSTR", "WINDOW");
		for (p = procs ? procs->child : NULL; p; p = p->next)
			printf("%7lld %7lld %-16s %-5s %s\n", json_int(p, "pid", 0),
			       json_int(p, "parent", 0), json_str(p, "comm") ?: "",
			       json_bool(p, "instrumented", false) ? "yes" : "no",
			       json_int(p, "kick_gen", 0) ? "open" : "-");
	}
	json_free(r);
	return 0;
}
