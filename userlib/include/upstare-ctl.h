/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The control block: how a controller drives a live update of a process.
 *
 * Every program linked with libupstare exports one struct upstare_control
 * under the symbol UPSTARE_CONTROL_SYM.  A controller (root) finds it from
 * the executable's ELF symbol table and /proc/PID/maps, and reads and
 * writes it with process_vm_readv/writev; there is no listener thread and
 * no socket in the target.  The target's threads sleep and wake on futex
 * words inside it.  Only fixed-width types: both sides must agree on the
 * layout, and UPSTARE_CONTROL_VERSION changes whenever it changes.
 *
 * Protocol, driven by the controller:
 *   1. wait for phase == UPSTARE_PH_IDLE; write patch[] and timeout_ms;
 *   2. write request = ack + 1 (last, on its own);
 *   3. send update_signal to every thread of the process (tgkill);
 *   4. poll until ack == request, then read result, reasons and times.
 * The target runs prepare (load and verify the patch, nothing stopped),
 * quiesce (threads park at update points, blocked ones are kicked),
 * transform, rebuild and resume; or it refuses, times out or rolls back.
 *
 * With check = 1 written before the request, the target stops once every
 * thread is parked: it describes their stacks in stacks[] and enters
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
 * no point with that key and no mapping).
 */
#ifndef UPSTARE_CTL_H
#define UPSTARE_CTL_H

#include <stdint.h>

#define UPSTARE_CONTROL_SYM	"upstare_control"
#define UPSTARE_CONTROL_MAGIC	0x55505354u	/* "UPST" */
#define UPSTARE_CONTROL_VERSION	2u

enum upstare_phase {
	UPSTARE_PH_IDLE,
	UPSTARE_PH_PREPARE,	/* loading and verifying the patch: nothing stopped */
	UPSTARE_PH_QUIESCE,	/* threads park and unwind */
	UPSTARE_PH_TRANSFORM,	/* all parked: globals, then frames */
	UPSTARE_PH_REBUILD,	/* rebuilding the stacks in the new code */
	UPSTARE_PH_ROLLBACK,	/* rebuilding the saved stacks in the old code */
	UPSTARE_PH_CHECK,	/* all parked: waiting for the controller's verdict */
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
	uint32_t timeout_ms;	/* deadline from the request to the end of quiesce */
	uint32_t nthreads;	/* threads taking part */
	uint32_t nparked;	/* of them, parked and unwound; futex word */
	uint32_t nresumed;	/* of the parked ones, rebuilt */
	uint32_t check;		/* controller: stop in UPSTARE_PH_CHECK before transforming */
	uint32_t verdict;	/* controller, in UPSTARE_PH_CHECK: enum upstare_verdict */
	uint32_t pad;
	uint64_t t_ns[UPSTARE_T_MAX];
	char build_id[64];	/* hex GNU build id of the version running now */
	char patch[UPSTARE_PATCH_MAX];		/* path of the patch to apply */
	char reasons[UPSTARE_REASONS_MAX];	/* why refused, timed out, rolled back */
	char stacks[UPSTARE_STACKS_MAX];	/* in UPSTARE_PH_CHECK: see above */
};

#endif
