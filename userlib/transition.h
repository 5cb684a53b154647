/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The transition (transition.c), as the layer above sees it: the update
 * points, the entry wrappers and the fork handlers (entry.c, wrap.c).
 * Only transition.c writes the control block's phase.
 */
#ifndef UPSTARE_TRANSITION_H
#define UPSTARE_TRANSITION_H

/*
 * Update point slow path (update pending): nonzero means unwind now.  The
 * first thread to take a request prepares the patch and opens the quiesce
 * phase here.
 */
int upstare__update_point(void);
/* A thread unwound for the update: park; the leader decides here. */
void upstare__park(void);
/* The calling thread has rebuilt its whole stack; the last one finishes. */
void upstare__rebuilt(void);
/* A forked child: no update in progress, the request answered. */
void upstare__transition_after_fork(void);

#endif
