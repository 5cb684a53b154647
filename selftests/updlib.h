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
	uid_t uid;		/* run the program as this user and group; 0: root */
	gid_t gid;
};

/* SKIP unless root (patches must be root-owned; process_vm_writev). */
bool upd_init(struct upd *u, struct test_ctx *ctx, const char *name, enum test_result *skip);
/* upstare-cc -O2 SRCS -o tmpdir/BIN (sources relative to the case dir; words
 * starting with '-' are flags). */
bool upd_build(struct upd *u, const char *bin, const char *srcs);
/* upstare-cc --patch --base tmpdir/BASE -o tmpdir/OUT SRCS; mode 0644. */
bool upd_patch(struct upd *u, const char *base, const char *out, const char *srcs);
/* Run tmpdir/BIN in the background (as u->uid/u->gid when set). */
bool upd_start(struct upd *u, const char *bin);
/* Wait until the program's output has NEEDLE (after offset from). */
bool upd_wait(struct upd *u, const char *needle, size_t from, int timeout_s);
/* The output so far (malloc'd) and its length. */
char *upd_output(struct upd *u, size_t *len);
/* upstarectl update --json: fills u->json and u->status. */
bool upd_update(struct upd *u, const char *patch, int timeout_ms);
/* A string or number field of u->json (malloc'd), or NULL. */
char *upd_field(struct upd *u, const char *key);
/*
 * The steps most cases share.  upd_prepare: upd_build v1 from v1/prog.c
 * and upd_patch v2.so on it from SRCS.  upd_run: upd_start v1 and
 * upd_wait (10 s) for READY.
 */
bool upd_prepare(struct upd *u, const char *srcs);
bool upd_run(struct upd *u, const char *ready);
/* upd_wait with a printf-formatted needle. */
bool upd_waitf(struct upd *u, size_t from, int timeout_s, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Wait for NEEDLE in what the program prints from now on. */
bool upd_wait_new(struct upd *u, const char *needle, int timeout_s);
/*
 * upd_update PATCH and assert its "result" is WANT (WHAT names the check,
 * as ASSERT_STREQ's name).  False if upstarectl could not run or the
 * result differs.
 */
#define upd_expect(u, patch, timeout_ms, want, what)			\
	upd_expect_at(__FILE__, __LINE__, u, patch, timeout_ms, want, what)
bool upd_expect_at(const char *file, int line, struct upd *u, const char *patch,
		   int timeout_ms, const char *want, const char *what);
/*
 * After an update that did not apply: the program goes on in version 1.
 * Waits (10 s) for more output with PREFIX; with STOP, stops the program;
 * then asserts that the last integer after PREFIX grew ("v1 goes on") and
 * that the output has no "v2 " ("no v2 output").  OUT (may be NULL): the
 * output checked (malloc'd, also on failure after the wait, else NULL);
 * FROM (may be NULL): its length when called.
 */
#define upd_goes_on(u, prefix, stop, out, from)				\
	upd_goes_on_at(__FILE__, __LINE__, u, prefix, stop, out, from)
bool upd_goes_on_at(const char *file, int line, struct upd *u, const char *prefix,
		    bool stop, char **out, size_t *from);
/*
 * The observe/update_* cases: SKIP without root or BTF (observe.h), then
 * upd_init NAME, upd_prepare from v2/prog.c and start an upstared in the
 * scratch directory; u->sock is its socket.  False with *res set (SKIP or
 * FAIL) when any step fails.
 */
struct daemon;
bool upd_init_daemon(struct upd *u, struct test_ctx *ctx, const char *name,
		     struct daemon *d, enum test_result *res);
/* Is the program still running? */
bool upd_alive(struct upd *u);
/* Kill the program (and, with tree, its process group). */
void upd_stop(struct upd *u);
/* The last integer printed after "PREFIX" in the output, or -1. */
long upd_last_value(struct upd *u, const char *prefix);
/* The first integer printed after "PREFIX" in the output, or -1. */
long upd_first_value(struct upd *u, const char *prefix);

/*
 * On a connection to a case's TCP server (loopback_connect()): send msg,
 * read one line into buf (n bytes); false when the connection failed.
 */
bool upd_ask(int fd, const char *msg, char *buf, size_t n);

/* Register case "update/ID". */
#define UPDATE_TEST(_id, _run) UPSTARE_GROUP_TEST("update", _id, _run)

#endif
