/* SPDX-License-Identifier: GPL-2.0 */
#ifndef UPSTARE_CALLS_H
#define UPSTARE_CALLS_H

#include "tu.h"

/*
 * calls.c: what kind of call a call expression is, for the analysis
 * (analyze.c), the quiet functions (park.c) and the printer (emit*.c).
 * What the C library's functions do is libcalls.c's.
 */

/* The function a call calls directly, or a null cursor (an indirect call). */
CXCursor call_target(CXCursor call);
bool is_direct_call(CXCursor call);
/* A call that may enter instrumented code, or a wrapped blocking call. */
bool hoistable(CXCursor call);
/* A builtin whose arguments are not evaluated. */
bool unevaluated_builtin(CXCursor call);
/* A call out of the program that may block or run long. */
bool slow_call(CXCursor call);
/* A C library memory function that keeps no pointer: 1, 2 returning its first argument; 0. */
int mem_function(CXCursor call);
/* Why a function that makes this call cannot be rebuilt (setjmp, alloca), or NULL. */
const char *call_nr_reason(CXCursor call);

#endif
