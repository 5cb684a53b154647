/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_LIVE_H
#define UPSTARE_LIVE_H

#include "tu.h"

/*
 * Whether local var (not address-taken) is dead at the update point at the
 * head of the loop whose body is body, in function fn (live.c).
 */
bool live_dead_at_loop_head(CXCursor fn, CXCursor body, CXCursor var);

#endif
