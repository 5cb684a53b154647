/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A target process's runtime, as the controller reaches it: where its
 * control block (userlib/include/upstare-ctl.h) and the runtime's other
 * symbols are, and reading and writing them through its /proc/PID/mem.
 * The update driver (update.c) and the readiness view of upstared
 * (readiness.c, which upstarectl's commands and upstare-top ask) find a
 * control block this one way.
 */
#ifndef UPSTARE_TARGET_H
#define UPSTARE_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct upstare_control;

/* The runtime's symbols in a process, at their addresses there. */
struct target_syms {
	uint64_t control;	/* UPSTARE_CONTROL_SYM: struct upstare_control */
	uint64_t threads;	/* UPSTARE_THREADS_SYM: upstare_threads[] */
	uint64_t pending;	/* UPSTARE_PENDING_SYM: __upstare_pending */
};

/*
 * pid's /proc/PID/mem, opened with flags (O_RDONLY or O_RDWR): a
 * descriptor, or -1 with errno.  The file holds the address space the
 * process had when it was opened (see target_rw()).
 */
int target_open_mem(pid_t pid, int flags);

/*
 * Where the runtime's symbols are in pid: from the symbol table of the
 * executable it runs and where /proc/PID/maps shows that file mapped.
 * 0, or -1 with why (empty when the control block's symbol is there but
 * not the runtime's others).
 */
int target_locate(pid_t pid, struct target_syms *s, char *why, size_t n);

/*
 * Read (write: 0) or write n bytes at addr through memfd: 0, -ESRCH once
 * the process it was opened on has exited or run exec(), else -errno.
 */
int target_rw(int memfd, uint64_t addr, void *buf, size_t n, int write);

/*
 * The first len bytes of the control block at addr (at least magic,
 * version and size), checked: 0; -EPROTO when it is not the control block of this
 * controller's runtime (magic, version and size); else as target_rw().
 */
int target_read_control(int memfd, uint64_t addr, struct upstare_control *c, size_t len);

/*
 * /proc/PID/stat read into buf (n bytes): the fields after the command
 * name (field 3, the state, on), or NULL.
 */
char *target_proc_stat(pid_t pid, char *buf, size_t n);

/*
 * The process root and, with tree, all its descendants, parents first:
 * their number, the pids in *pids and, if parents, each one's parent in
 * *parents (0 for root); both malloc'd.  Read from /proc, so a process
 * forked while it runs may be missed.
 */
int target_tree(pid_t root, bool tree, pid_t **pids, pid_t **parents);

#endif
