/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * Public interface of libupstare, the runtime linked into every program
 * built with upstare-cc.
 */
#ifndef UPSTARE_H
#define UPSTARE_H

#ifdef __cplusplus
extern "C" {
#endif

#define UPSTARE_VERSION "0.1"

/* How many times this process has unwound and rebuilt a thread's stack. */
unsigned long upstare_rebuild_count(void);

#ifdef __cplusplus
}
#endif

#endif
