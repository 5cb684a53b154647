/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Internal interfaces of libupstare. */
#ifndef UPSTARE_RUNTIME_H
#define UPSTARE_RUNTIME_H

#include <sys/types.h>

#define __UPSTARE_RUNTIME
#include "upstare-abi.h"
#include "upstare-ctl.h"

/* A saved frame record and the list it is on (innermost first). */
struct frame {
	struct frame *next;
	unsigned long size;
	struct __upstare_frame_hdr hdr;	/* the generated record starts here */
};

struct reloc {
	char *old, *new;
	unsigned long size;
};

struct thread_state {
	int unwinding, rebuilding, nr_depth;
	int in_runtime;		/* running transformers: no update point parks */
	int update_unwind;	/* this unwind is for a live update */
	int parked;		/* counted in the control block's nparked */
	int registered;
	volatile int kicked;	/* the update signal arrived since the last check */
	pid_t tid;
	void *wait_cond;	/* the pthread_cond_t it waits on, or NULL */
	struct upstare_thread_slot *slot;	/* its upstare_threads[] entry */
	unsigned long polls;
	struct frame *top;	/* saved frames */
	struct frame *newtop;	/* the same, transformed for the new code */
	struct reloc *relocs;
	unsigned nrelocs, caprelocs;
	struct shadow_chunk *sh_chunk;	/* side stack: the chunk in use */
	char *sh_top;			/* its first free byte */
	struct thread_state *next_thread;
};

extern __thread struct thread_state upstare__ts;
extern struct upstare_thread_slot upstare__unregistered_slot;
extern struct upstare_control upstare_control;

void upstare__init(void);
/* A thread's stack has unwound to its entry wrapper: park, then rebuild. */
int upstare__entry_unwound(void);
/* The function a thread entry calls to rebuild: fn, or its new version. */
void *upstare__entry_fn(void *fn);
/* Update point slow path (update pending): nonzero means unwind now. */
int upstare__update_point(void);
/* The calling thread has rebuilt its whole stack. */
void upstare__rebuilt(void);
void upstare__thread_register(void);
void upstare__thread_unregister(void);
void upstare__signals_init(void);
void upstare__wrap_anchor(void);
int upstare__update_signal(void);
void upstare__fatal(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void upstare__free_frames(struct frame *f);
/* Wait for the update decision (the leader makes it here). */
void upstare__park(void);
int upstare__selftest_mode(void);

#endif
