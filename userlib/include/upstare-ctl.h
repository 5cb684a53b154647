/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The control block: how a controller drives a live update of a process.
 *
 * Every program linked with libupstare exports one struct upstare_control
 * under the symbol UPSTARE_CONTROL_SYM.  A controller (root) finds it from
 * the executable's ELF symbol table and /proc/PID/maps, and reads and
 * writes it (through /proc/PID/mem); there is no listener thread and
 * no socket in the target.  The target's threads sleep and wake on futex
 * words inside it.  Only fixed-width types: both sides must agree on the
 * layout, and UPSTARE_CONTROL_VERSION changes whenever it changes.
 *
 * Protocol, driven by the controller:
 *   0. take the target's lock: an exclusive flock() on
 *      /run/upstare/targets/PID-STARTTIME (controller/ctl_update.c,
 *      lock_target()), held until the end; a request found untaken in an
 *      idle block then is a dead controller's, and is taken back
 *      (request = ack);
 *   1. wait for phase == UPSTARE_PH_IDLE; write patch[] and timeout_ms;
 *   2. write request = ack + 1 (last, on its own);
 *   3. set __upstare_pending (a symbol of its own, an int) to 1, and send
 *      update_signal (tgkill) to each thread that upstare_threads[] shows
 *      inside a blocking call (a wrapper);
 *   4. pass the patch: when the target, in UPSTARE_PH_PREPARE for this
 *      request, shows patch_sock_ino != 0, take its descriptor patch_sock
 *      with pidfd_getfd(), check that it is the AF_UNIX socket of that
 *      inode, and send on it, with SCM_RIGHTS, the descriptor of the patch
 *      file (opened read-only and checked: regular, owned by root,
 *      writable by no one else), with the request number (a uint32_t) as
 *      the data;
 *   5. poll until ack == request, then read result, reasons and times.
 * The target never opens the patch by its path (patch[] only names it in
 * reasons): it needs no view of the file, so a process in a chroot, in
 * another mount namespace or without /proc is updated like any other, and
 * it gets a descriptor of one regular file, opened read-only, and nothing
 * that leads out of its root.  For step 4 it makes a socket pair for the
 * request and closes both ends (and the patch's descriptor, once mapped)
 * before prepare ends; it waits for the descriptor until the request's
 * deadline, then refuses.
 * To update several processes (a process tree) in one step, the controller
 * also writes group = 1 and decision = 0 with each request: each target
 * first loads and checks the patch and waits in UPSTARE_PH_PREPARED, its
 * threads all running, until the controller writes decision =
 * UPSTARE_DECIDE_GO once every target is prepared (or ABORT: one refused,
 * and the others end refused too, nothing stopped); it then sets decision
 * back to 0 and parks its threads.  So no process's threads wait parked
 * while another loads the patch.  Each target then stops in
 * UPSTARE_PH_READY once its threads are parked and its
 * frames and globals are transformed (nothing committed yet), until the
 * controller writes decision = UPSTARE_DECIDE_COMMIT to every target (all
 * are ready) or UPSTARE_DECIDE_ABORT (one of them failed): then each
 * commits, or rolls back.
 * The target runs prepare (load and verify the patch, nothing stopped),
 * quiesce (threads park at update points, blocked ones are kicked),
 * transform, rebuild and resume; or it refuses, times out or rolls back.
 *
 * The check barrier: with check = 1 written before the request, the target
 * stops once every thread is parked and unwound, before anything is
 * transformed: it describes their stacks in stacks[] (once) and enters
 * UPSTARE_PH_CHECK, where it waits (until the request's deadline) for the
 * controller to write verdict: UPSTARE_VERDICT_GO goes on with the update,
 * UPSTARE_VERDICT_RELEASE rebuilds every thread in the old code and ends
 * the request with UPSTARE_RES_RELEASED (the controller may ask again).
 * stacks[] holds one line per thread, then one per frame, innermost first,
 * fields separated by tabs:
 *   thread TID ROLE COMM          (ROLE: the function of the outermost frame)
 *   frame FUNCTION FILE LINE KEY WHY
 * KEY is the continuation point the frame resumes at; WHY is empty when the
 * patch can convert the frame, else why not (no version of the function,
 * no point with that key and no mapping).  Constraint checks (upstarectl
 * update --constraints) and the stack report (--stacks) both read this.
 * When the stacks do not fit in stacks[], the target does not enter the
 * check phase: the request ends with UPSTARE_RES_TIMEOUT and a reason.
 */
#ifndef UPSTARE_CTL_H
#define UPSTARE_CTL_H

#include <stdint.h>

#define UPSTARE_CONTROL_SYM	"upstare_control"
#define UPSTARE_CONTROL_MAGIC	0x55505354u	/* "UPST" */
#define UPSTARE_CONTROL_VERSION	7u
#define UPSTARE_THREADS_SYM	"upstare_threads"
#define UPSTARE_PENDING_SYM	"__upstare_pending"
/* upstare_threads[] and its slots: upstare-slot.h, which BPF reads too. */
#include "upstare-slot.h"

enum upstare_phase {
	UPSTARE_PH_IDLE,
	UPSTARE_PH_PREPARE,	/* loading and verifying the patch: nothing stopped */
	UPSTARE_PH_QUIESCE,	/* threads park and unwind */
	UPSTARE_PH_TRANSFORM,	/* all parked: globals, then frames */
	UPSTARE_PH_REBUILD,	/* rebuilding the stacks in the new code */
	UPSTARE_PH_ROLLBACK,	/* rebuilding the saved stacks in the old code */
	UPSTARE_PH_READY,	/* group update: transformed, waiting for the decision */
	UPSTARE_PH_CHECK,	/* all parked: waiting for the controller's verdict */
	UPSTARE_PH_PREPARED,	/* group update: patch loaded, nothing stopped; waiting
				 * for UPSTARE_DECIDE_GO */
};

enum upstare_decision {
	UPSTARE_DECIDE_NONE,
	UPSTARE_DECIDE_COMMIT,
	UPSTARE_DECIDE_ABORT,
	UPSTARE_DECIDE_GO,	/* in UPSTARE_PH_PREPARED: park the threads now */
};

enum upstare_result {
	UPSTARE_RES_NONE,
	UPSTARE_RES_APPLIED,
	UPSTARE_RES_ROLLED_BACK,
	UPSTARE_RES_REFUSED,
	UPSTARE_RES_TIMEOUT,
	UPSTARE_RES_RELEASED,	/* the controller's check failed: old code goes on */
};

enum upstare_verdict {
	UPSTARE_VERDICT_NONE,
	UPSTARE_VERDICT_GO,
	UPSTARE_VERDICT_RELEASE,
};

/* Indices of upstare_control.t_ns[]: CLOCK_MONOTONIC when each step began. */
enum upstare_time {
	UPSTARE_T_REQUEST,	/* the target saw the request */
	UPSTARE_T_PREPARED,	/* patch loaded and verified */
	UPSTARE_T_FIRST_PARK,	/* first thread parked */
	UPSTARE_T_ALL_PARKED,	/* every thread parked and unwound */
	UPSTARE_T_CHECKED,	/* the controller's verdict (= ALL_PARKED without check) */
	UPSTARE_T_TRANSFORMED,	/* globals and frames transformed */
	UPSTARE_T_RESUMED,	/* last thread rebuilt and running */
	UPSTARE_T_MAX
};

#define UPSTARE_PATCH_MAX	4096
#define UPSTARE_REASONS_MAX	4096
#define UPSTARE_STACKS_MAX	32768

struct upstare_control {
	uint32_t magic;		/* UPSTARE_CONTROL_MAGIC */
	uint32_t version;	/* UPSTARE_CONTROL_VERSION */
	uint32_t size;		/* sizeof(struct upstare_control) */
	int32_t update_signal;	/* the real-time signal that kicks threads */
	uint32_t phase;		/* enum upstare_phase; futex word */
	uint32_t request;	/* written by the controller: ack + 1 asks for an update */
	uint32_t ack;		/* = request once the target has finished with it */
	uint32_t result;	/* enum upstare_result of the last request */
	uint32_t generation;	/* updates applied so far */
	uint32_t timeout_ms;	/* deadline from the request to the commit */
	uint32_t nthreads;	/* threads taking part */
	uint32_t nparked;	/* of them, parked and unwound; futex word */
	uint32_t nresumed;	/* of the parked ones, rebuilt */
	uint32_t group;		/* nonzero: wait in READY for the decision */
	uint32_t decision;	/* enum upstare_decision, written by the controller */
	uint32_t nslots;	/* upstare_threads[] slots ever used */
	uint32_t check;		/* controller: stop in UPSTARE_PH_CHECK before transforming */
	uint32_t verdict;	/* controller, in UPSTARE_PH_CHECK: enum upstare_verdict */
	int32_t patch_sock;	/* in UPSTARE_PH_PREPARE: where the patch is sent (step 4) */
	uint32_t park_ms;	/* nonzero: release the parked threads (result
				 * UPSTARE_RES_RELEASED) when not every thread has
				 * parked park_ms after the first did; the
				 * controller may ask again */
	uint64_t patch_sock_ino;	/* its inode; nonzero while the target waits for it */
	uint64_t t_ns[UPSTARE_T_MAX];
	char build_id[64];	/* hex GNU build id of the version running now */
	char patch[UPSTARE_PATCH_MAX];		/* path of the patch, for reasons */
	char reasons[UPSTARE_REASONS_MAX];	/* why refused, timed out, rolled back */
	char stacks[UPSTARE_STACKS_MAX];	/* in UPSTARE_PH_CHECK: see above */
};

#endif
