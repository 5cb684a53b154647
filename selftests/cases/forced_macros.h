/* SPDX-License-Identifier: GPL-2.0 */
/* Given to forced_include.c with -imacros: macros only. */
#define LIMIT 10
#define SCALE(x) ((x) * 100)
