// SPDX-License-Identifier: GPL-2.0
/* upstarectl threads: every thread of a process with its readiness and stack. */
#include <stdio.h>
#include <string.h>

#include "json.h"
#include "upstarectl.h"

/* The innermost frame in instrumented code (it has a continuation point key). */
static const struct json *app_frame(const struct json *t)
{
	const struct json *st = json_get(t, "stack"), *f;

	for (f = st ? st->child : NULL; f; f = f->next)
		if (json_str(f, "cp"))
			return f;
	return NULL;
}

static void print_table(const struct json *threads)
{
	const struct json *t;

	printf("%7s %-15s %-21s %-5s %-13s %7s %s\n", "TID", "COMM", "STATE", "READY",
	       "SYSCALL", "OWNER", "WHERE");
	for (t = threads ? threads->child : NULL; t; t = t->next) {
		const struct json *f = app_frame(t);
		char owner[16] = "-", where[128] = "-";

		if (json_get(t, "wchan_lock_owner") &&
		    json_get(t, "wchan_lock_owner")->type == JSON_NUM)
			snprintf(owner, sizeof(owner), "%lld", json_int(t, "wchan_lock_owner", 0));
		if (f)
			snprintf(where, sizeof(where), "%s:%lld (%s)", json_str(f, "function"),
				 json_int(f, "line", 0), json_str(f, "cp"));
		printf("%7lld %-15s %-21s %-5s %-13s %7s %s\n", json_int(t, "tid", 0),
		       json_str(t, "comm") ?: "", json_str(t, "state") ?: "",
		       json_bool(t, "ready", false) ? "yes" : "no",
		       json_str(t, "syscall") ?: "-", owner, where);
		printf("%7s %s\n", "", json_str(t, "reason") ?: "");
	}
}

int ctl_threads(int argc, char **argv)
{
	struct json *r;
	char req[128];
	long pid;
	int json;

	if (ctl_pid_opts(argc, argv, "threads --pid PID [--json]", &pid, &json))
		return 2;
	snprintf(req, sizeof(req), "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
	r = ctl_call(req);
	if (!r)
		return 1;
	if (json)
		ctl_print_json(json_get(r, "threads"));
	else
		print_table(json_get(r, "threads"));
	json_free(r);
	return 0;
}
