/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * A slot of the runtime's upstare_threads[] table, which the controller
 * reads through upstare-ctl.h and the BPF programs read in the target's
 * memory (bpf/window.bpf.c): no C library header, so that both compile it.
 *
 * One slot per registered thread (tid 0: free).  Only a thread inside a
 * blocking call of a wrapper is signalled, so the update signal never
 * interrupts a blocking call in library code that would not expect EINTR;
 * threads that run reach an update point by themselves.
 */
#ifndef UPSTARE_SLOT_H
#define UPSTARE_SLOT_H

#define UPSTARE_MAX_THREADS	4096

struct upstare_thread_slot {
	__INT32_TYPE__ tid;
	__UINT32_TYPE__ blocking;	/* inside a wrapped blocking system call */
};

#endif
