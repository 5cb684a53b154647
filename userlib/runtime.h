/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/* Internal interfaces of libupstare. */
#ifndef UPSTARE_RUNTIME_H
#define UPSTARE_RUNTIME_H

#include "upstare-abi.h"

/* A thread's stack has unwound to its entry wrapper: rebuild it. */
int upstare__entry_unwound(void);
void upstare__init(void);

#endif
