/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_LIVE_H
#define UPSTARE_LIVE_H

#include "tu.h"

/*
 * Where a function references its variables: the offsets of the first and
 * the last reference to each, from one walk of the function (live.c).
 */
struct live_refs;
struct live_refs *live_refs_new(CXCursor fn);
void live_refs_range(const struct live_refs *r, CXCursor var, unsigned *lo, unsigned *hi);
void live_refs_free(struct live_refs *r);

/*
 * Whether local var (not address-taken) is dead at the update point at the
 * head of the loop whose body is body; [lo, hi] are where the function
 * references var (live_refs_range(); lo > hi: nowhere).
 */
bool live_dead_at_loop_head(CXCursor body, CXCursor var, unsigned lo, unsigned hi);

#endif
