/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers of the live-update cases (test_update_*.c).  Each case has its
 * program versions under selftests/updates/CASE/: it builds them in its
 * scratch directory, runs the base with its output in a file, applies
 * patches with upstarectl update --json and checks the program's output.
 */
#ifndef UPSTARE_UPDLIB_H
#define UPSTARE_UPDLIB_H

#include <stdbool.h>
#include <sys/types.h>

#include "test.h"

struct upd {
	struct test_ctx *ctx;
	const char *name;	/* selftests/updates/NAME */
	pid_t pid;		/* the running program, or 0 */
	char out[512];		/* its stdout and stderr */
	char json[8192];	/* upstarectl's last answer */
	int status;		/* upstarectl's exit status */
	bool tree;		/* update the process and its descendants (--tree) */
	bool stacks;		/* stop at the check barrier, report stacks (--stacks) */
	const char *sock;	/* through the upstared on this socket; NULL: --direct */
	const char *extra;	/* more options of upstarectl update, or NULL */
};

/* SKIP unless root (patches must be root-owned; process_vm_writev). */
bool upd_init(struct upd *u, struct test_ctx *ctx, const char *name, enum test_result *skip);
/* upstare-cc -O2 SRCS -o tmpdir/BIN (sources relative to the case dir). */
bool upd_build(struct upd *u, const char *bin, const char *srcs);
/* upstare-cc --patch --base tmpdir/BASE -o tmpdir/OUT SRCS; mode 0644. */
bool upd_patch(struct upd *u, const char *base, const char *out, const char *srcs);
/* Run tmpdir/BIN in the background. */
bool upd_start(struct upd *u, const char *bin);
/* Wait until the program's output has NEEDLE (after offset from). */
bool upd_wait(struct upd *u, const char *needle, size_t from, int timeout_s);
/* The output so far (malloc'd) and its length. */
char *upd_output(struct upd *u, size_t *len);
/* upstarectl update --json: fills u->json and u->status. */
bool upd_update(struct upd *u, const char *patch, int timeout_ms);
/* A string or number field of u->json (malloc'd), or NULL. */
char *upd_field(struct upd *u, const char *key);
/* Is the program still running? */
bool upd_alive(struct upd *u);
/* Kill the program (and, with tree, its process group). */
void upd_stop(struct upd *u);
/* The last integer printed after "PREFIX" in the output, or -1. */
long upd_last_value(struct upd *u, const char *prefix);
/* The first integer printed after "PREFIX" in the output, or -1. */
long upd_first_value(struct upd *u, const char *prefix);

/* Register case "update/ID". */
#define UPDATE_TEST(_id, _run)						\
	static struct test __test_##_id = {				\
		.name = "update/" #_id, .run = _run,			\
	};								\
	__attribute__((constructor)) static void __reg_##_id(void)	\
	{ test_register(&__test_##_id); }

#endif
