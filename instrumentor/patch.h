/* SPDX-License-Identifier: GPL-2.0 */
/* upstare-cc --patch. */
#ifndef UPSTARE_PATCH_H
#define UPSTARE_PATCH_H

#include <stdbool.h>

struct patch_opts {
	const char *base;	/* the program or patch it applies to */
	const char *output;
	char **objs;		/* instrumented objects of the new version */
	int nobjs;
	char **flags;		/* the command line's other flags, for the link */
	int nflags;
	const char *clang, *objcopy, *tmpdir;
	bool explain;		/* --explain: how each changed global is converted */
};

int patch_link(const struct patch_opts *po);

#endif
