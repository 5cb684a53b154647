/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the observation selftests: a private upstared on a socket in
 * the case's scratch directory, requests to it, and a target program run
 * with a pipe on its stdin and its stdout read line by line.
 */
#ifndef UPSTARE_SELFTEST_OBSERVE_H
#define UPSTARE_SELFTEST_OBSERVE_H

#include <stdbool.h>
#include <sys/types.h>

#include "../controller/json.h"
#include "test.h"

struct daemon {
	pid_t pid;
	char sock[300];
	char log[300];
};

/* SKIP reason when root or BTF is missing, else NULL. */
const char *observe_skip_reason(void);
int daemon_start(struct daemon *d, const char *dir, const char *extra_args);
int daemon_stop(struct daemon *d);	/* SIGTERM; returns the exit status */
/* At a test's end: stop it, which must exit 0; on failure, log its log. */
enum test_result daemon_finish(struct daemon *d, enum test_result res);
/* One request on a new connection; the parsed reply or NULL. */
struct json *daemon_req(struct daemon *d, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * daemon_req from a child running as uid/gid (no supplementary group):
 * the parsed reply or NULL; the reply's text in *raw (malloc'd) if raw.
 */
struct json *daemon_req_as(struct daemon *d, uid_t uid, gid_t gid, char **raw,
			   const char *fmt, ...) __attribute__((format(printf, 5, 6)));

struct target {
	pid_t pid;
	int in;		/* write end of its stdin */
	FILE *out;	/* its stdout */
};

/* Start path with stdin/stdout pipes; returns 0 or -errno. */
int target_start(struct target *t, const char *path);
/* The same as uid/gid (no supplementary group); 0: as root. */
int target_start_as(struct target *t, const char *path, uid_t uid, gid_t gid);
/* Read stdout lines until one starts with prefix; NULL at EOF/timeout. */
char *target_expect(struct target *t, const char *prefix, int timeout_s);
void target_stop(struct target *t);

/*
 * Build the observation scenario (progs/scenario.c with upstare-cc, linked
 * with progs/plainspin.c built plain, with frame pointers) as bin (n
 * bytes) in the case's scratch directory.
 */
bool build_scenario(struct test_ctx *ctx, char *bin, size_t n);

/* Find the thread object with this tid in a "threads" array. */
const struct json *thread_by_tid(const struct json *threads, long tid);
/* True if a frame of the thread's stack is in function fn. */
bool stack_has(const struct json *thread, const char *fn);

/* Register an observation case as "observe/NAME". */
#define OBSERVE_TEST(_id, _run) UPSTARE_GROUP_TEST("observe", _id, _run)

#endif
