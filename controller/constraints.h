/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Constraint files: parser, evaluator and validator.
 *
 * A constraint file says when an update may happen (Documentation/
 * constraints.rst has the grammar).  This library has no dependency on the
 * daemon, libelf or BPF: the parser turns text into a struct cons_file, the
 * evaluator checks one against a snapshot of every thread's stack, and the
 * validator checks the names in it against a program's metadata that the
 * caller has already read (struct cons_program).
 *
 * Errors follow the project's conventions: pointer-returning functions
 * return NULL and set errno; the parser's diagnostics are collected in a
 * struct cons_diags, each one printable as "file:line:col: message".
 */
#ifndef UPSTARE_CONSTRAINTS_H
#define UPSTARE_CONSTRAINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Linux truncates a thread's comm to 15 bytes (TASK_COMM_LEN - 1). */
#define CONS_COMM_MAX 15
/* The parser stops after this many errors. */
#define CONS_MAX_ERRORS 50

/* Defaults when a file does not say (microseconds, and backoff in 1/1000). */
#define CONS_DEFAULT_TIMEOUT_US	 2000000ULL
#define CONS_DEFAULT_RETRY_US	 10000ULL
#define CONS_DEFAULT_BACKOFF_MILLI 2000U
#define CONS_DEFAULT_RETRY_MAX_US 500000ULL

struct cons_loc {
	unsigned line, col;	/* 1-based; col counts bytes */
};

struct cons_diag {
	struct cons_loc loc;
	char *msg;
};

struct cons_diags {
	char *file;		/* as given to the parser */
	struct cons_diag *v;
	size_t n, cap;
};

enum cons_place_kind {
	CONS_PLACE_FUNC,	/* send_file */
	CONS_PLACE_KEY,		/* recv#1 (in any function) */
	CONS_PLACE_FUNC_KEY,	/* handle_client at recv#1 */
	CONS_PLACE_LINES,	/* transfer.c:135-160 */
};

struct cons_place {
	enum cons_place_kind kind;
	char *function;		/* FUNC, FUNC_KEY */
	char *key;		/* KEY, FUNC_KEY */
	char *file;		/* LINES */
	unsigned first, last;	/* LINES, inclusive */
	struct cons_loc loc;	/* of the function or file name, or of the key */
	struct cons_loc key_loc;	/* of the key (KEY, FUNC_KEY) */
	struct cons_loc lines_loc;	/* of the first line number (LINES) */
};

enum cons_who_kind {
	CONS_WHO_ANY,
	CONS_WHO_COMM,		/* thread "name" or thread comm "name" */
	CONS_WHO_TID,		/* thread tid 1234 */
	CONS_WHO_ROLE,		/* thread role worker_main */
};

struct cons_who {
	enum cons_who_kind kind;
	char *name;		/* COMM, ROLE */
	long tid;		/* TID */
	struct cons_loc loc;	/* of the name, tid or 'any' */
};

/* WHO in PLACE [, PLACE...]: holds when a thread WHO has a frame in a place. */
struct cons_clause {
	struct cons_who who;
	struct cons_place *places;
	size_t nplaces;
	struct cons_loc loc;
};

enum cons_rule_kind {
	CONS_FORBID,		/* not all clauses may hold at once */
	CONS_REQUIRE,		/* every thread the clause names is in the region */
};

struct cons_rule {
	enum cons_rule_kind kind;
	struct cons_clause *clauses;	/* REQUIRE: exactly one */
	size_t nclauses;
	bool conjunction;	/* written with { ... } */
	struct cons_loc loc;	/* of the keyword */
	char *origin;		/* automatic constraints: why; NULL for the file's */
};

struct cons_file {
	char *path;
	uint64_t timeout_us;	/* deadline of the whole update */
	uint64_t retry_us;	/* first wait between two checks */
	unsigned backoff_milli;	/* each wait is the previous one times this / 1000 */
	uint64_t retry_max_us;	/* waits never exceed this */
	bool has_timeout, has_retry;
	struct cons_loc timeout_loc, retry_loc;
	struct cons_rule *rules;
	size_t nrules;
	size_t nauto;		/* the last nauto rules are automatic */
};

/*
 * Parse TEXT (LEN bytes; it need not be NUL-terminated) read from NAME.
 * On success returns the constraints; if the text has any error, returns
 * NULL with errno EINVAL and every error (up to CONS_MAX_ERRORS) in DIAGS.
 * DIAGS may be NULL.  Call cons_diags_free() on DIAGS either way.
 */
struct cons_file *cons_parse(const char *name, const char *text, size_t len,
			     struct cons_diags *diags);
/* The same, reading PATH; an unreadable file is one diagnostic at line 0. */
struct cons_file *cons_parse_file(const char *path, struct cons_diags *diags);
void cons_free(struct cons_file *cf);
void cons_diags_free(struct cons_diags *d);
/* Print every diagnostic as "file:line:col: message\n" ("file: message" at line 0). */
void cons_diags_print(const struct cons_diags *d, FILE *out);

/*
 * Wait before check number ATTEMPT + 1 (ATTEMPT 0 is the first retry): the
 * retry interval, times the backoff factor (rounded up to a microsecond) for
 * each attempt, at most retry_max_us.
 */
uint64_t cons_retry_delay_us(const struct cons_file *cf, unsigned attempt);

/*
 * Canonical text.  cons_rule_str() gives one rule on one line (malloc'd);
 * cons_print() the whole file, which cons_parse() reads back to the same
 * constraints (automatic ones are printed as comments).
 */
char *cons_rule_str(const struct cons_rule *r);
void cons_print(const struct cons_file *cf, FILE *out);
/* The structure, one item per line, for tests and --dump. */
void cons_dump(const struct cons_file *cf, FILE *out);

/* ------------------------------------------------------------ evaluation */

/*
 * A frame as the user names it: FUNCTION is the source name, the .upstare
 * metadata's "name" and not its "symbol" (main, not __upstare_user_main);
 * FILE and LINE are the source position (the call the frame is in, for all
 * but the innermost frame); CP_KEY the metadata's key of the continuation
 * point the frame will resume at.
 */
struct cons_frame {
	const char *function;	/* NULL when unknown */
	const char *file;	/* source file, NULL when unknown */
	unsigned line;		/* 0 when unknown */
	const char *cp_key;	/* continuation key of the frame's point, or NULL */
};

struct cons_thread {
	int tid;
	const char *comm;
	const char *role;	/* start routine: "main" for the main thread */
	const struct cons_frame *frames;	/* innermost first */
	size_t nframes;
};

struct cons_snapshot {
	const struct cons_thread *threads;
	size_t nthreads;
};

/* A thread and the frame that made a clause hold (frame -1: none). */
struct cons_witness {
	int tid;
	int frame;
};

struct cons_violation {
	const struct cons_rule *rule;
	struct cons_witness *w;	/* forbid: one per clause; require: the thread */
	size_t nw;
	char *reason;		/* "file:line:col: RULE: which thread, which frame" */
};

struct cons_result {
	struct cons_violation *v;
	size_t n;
};

/*
 * Evaluate every rule on SNAP.  Returns 1 when all hold, 0 when some do not
 * (every violation is in RES: one per offending thread for a single-clause
 * forbid or a require, one per conjunction), or -errno.  RES may be NULL.
 */
int cons_eval(const struct cons_file *cf, const struct cons_snapshot *snap,
	      struct cons_result *res);
void cons_result_free(struct cons_result *res);
/* Does the violation involve thread TID?  (For per-thread views.) */
bool cons_violation_has_tid(const struct cons_violation *v, int tid);

/*
 * The check-and-retry loop of an update, independent of how threads are
 * stopped and observed: the controller supplies the callbacks.
 */
struct cons_driver {
	void *arg;
	/*
	 * Stop every thread at a safe point and describe the stacks in SNAP.
	 * 0, -EAGAIN when the threads are not all ready yet (counts as a
	 * failed check), or another -errno to give up.
	 */
	int (*snapshot)(void *arg, struct cons_snapshot *snap);
	/* After a failed check: let the threads run and free what SNAP holds. */
	void (*release)(void *arg, struct cons_snapshot *snap);
	uint64_t (*now_us)(void *arg);		/* a monotonic clock */
	void (*sleep_us)(void *arg, uint64_t us);
};

struct cons_wait_stats {
	unsigned checks;	/* snapshots evaluated */
	unsigned not_ready;	/* snapshot() returned -EAGAIN */
};

/*
 * Check the constraints until they hold or CF's deadline, counted from
 * START_US (when the update was submitted), would pass before the next
 * check; wait cons_retry_delay_us() between checks.  Returns 1 when they
 * hold, with the threads still stopped and SNAP describing them (the
 * caller goes on with the update, then releases them); 0 when the
 * deadline came first, with the violations of the last check in RES (empty
 * if no snapshot could be taken); or -errno, with the threads released.
 * RES and STATS may be NULL.
 */
int cons_wait(const struct cons_file *cf, const struct cons_driver *drv, uint64_t start_us,
	      struct cons_snapshot *snap, struct cons_result *res,
	      struct cons_wait_stats *stats);

/* ---------------------------------------------------- automatic constraints */

struct cons_program;

/* A continuation point of the running version that the patch cannot map. */
struct cons_unmapped {
	const char *function;
	const char *key;
	const char *file;	/* may be NULL */
	unsigned line;		/* 0 if unknown */
	const char *why;	/* e.g. "no point with this key in the patch" */
};

/*
 * Add "forbid any in FUNCTION at KEY" for each point, with its origin.
 * Returns 0 or -errno.
 */
int cons_add_automatic(struct cons_file *cf, const struct cons_unmapped *u, size_t n);
/*
 * The continuation points of OLD (the running version) that NEW (the
 * patch's version) cannot map by key: the function is gone, or has no
 * point with the same key.  A function is the same when its name is (and
 * its file's name, among several of that name).  *OUT is a malloc'd array whose
 * strings point into OLD.  Returns 0 or -errno.
 */
int cons_unmapped_points(const struct cons_program *old, const struct cons_program *new,
			 struct cons_unmapped **out, size_t *n);
/* Print every rule with where it comes from (for `upstarectl update --explain`). */
void cons_explain(const struct cons_file *cf, FILE *out);

/* ------------------------------------------------------------ validation */

struct cons_prog_cp {
	const char *key;
	unsigned line;
};

struct cons_prog_func {
	const char *name;
	const char *file;
	unsigned line, end_line;	/* end_line 0: extent unknown */
	const struct cons_prog_cp *cps;
	size_t ncps;
	const char *const *types_used;	/* record types its frame uses */
	size_t ntypes;
};

/* A record type and its layout, in any form that is equal when layouts are. */
struct cons_prog_type {
	const char *name;	/* "struct conn" */
	const char *layout;	/* e.g. "24;fd:int@0;buf:char[16]@32" */
};

struct cons_program {
	const char *name;	/* for messages: the binary's path */
	const struct cons_prog_func *funcs;
	size_t nfuncs;
	const struct cons_prog_type *types;
	size_t ntypes;
};

/*
 * Check every name in CF against PROG: unknown function or role, line
 * range outside every function of its file, unknown continuation key.
 * Each problem is a diagnostic at the place in the constraint file.
 * Returns the number of problems, or -errno.
 */
int cons_validate(const struct cons_file *cf, const struct cons_program *prog,
		  struct cons_diags *diags);

/*
 * Constraints that can never hold on PROG (PROG may be NULL: what can be
 * told from the file alone), as warnings in WARNINGS: forbidding main for
 * any thread (every process's initial thread runs it), forbidding a role's
 * own start routine, and a require whose whole region a forbid for any
 * thread excludes.  Returns the number of warnings, or -errno.
 */
int cons_lint(const struct cons_file *cf, const struct cons_program *prog,
	      struct cons_diags *warnings);

/* ----------------------------------------------------------- type safety */

/*
 * The record types of OLD whose layout NEW changes or that NEW lacks.
 * *OUT is a malloc'd array of names pointing into OLD.  Returns 0 or -errno.
 */
int cons_changed_types(const struct cons_program *old, const struct cons_program *new,
		       const char ***out, size_t *n);

/* Which frames an update rebuilds: a subset of threads, the innermost frames. */
struct cons_scope {
	const int *tids;	/* the threads updated; NULL: every thread */
	size_t ntids;
	unsigned depth;		/* frames rebuilt from the innermost; 0: all */
};

/*
 * Type safety: no frame that the update does not rebuild (outside SCOPE,
 * so it goes on running old code) may use a type the patch changes.  Each
 * such frame is a violation (rule NULL) naming the thread, the frame and
 * the type.  Returns 1 when safe, 0 when not, or -errno.
 */
int cons_type_check(const struct cons_program *old, const char *const *changed,
		    size_t nchanged, const struct cons_scope *scope,
		    const struct cons_snapshot *snap, struct cons_result *res);

/* Does FRAME_FILE name the same file as PATTERN (equal, or a suffix at '/')? */
bool cons_file_matches(const char *frame_file, const char *pattern);

#endif
