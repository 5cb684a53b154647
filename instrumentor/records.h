/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_RECORDS_H
#define UPSTARE_RECORDS_H

#include "upstare-abi.h"

#define REC_MARKER "__upstare_rec"
#define REC_STUB "__upstare_rec_stub"
#define REC_STUB_UNWIND "__upstare_rec_unwind_stub"
#define REC_STUB_POLL "__upstare_rec_poll_stub"
#define REC_SECTION "upstare_maps"

/*
 * Make the __upstare_rec() calls of the IR file at path stack maps and
 * calls to the runtime (records.c); rewrites the file.  0, or -1 with
 * *err a message to free().
 */
int records_lower(const char *path, char **err);

/*
 * Check that every stack-map record of the object at path is one of the
 * statepoints records_lower() made: 1 if so, 0 when the object has no
 * stack maps, -1 after printing why not.
 */
int records_check(const char *path);

#endif
