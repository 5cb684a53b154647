// SPDX-License-Identifier: GPL-2.0
/*
 * Headers forced from the command line: -include forced_include.h defines
 * a struct, functions and a macro that this file uses without including
 * the header; -imacros forced_macros.h defines macros only, and this file
 * undefines one of them to use its name for a variable.  upstare-cc
 * preprocesses with both; the instrumented text already holds what they
 * gave, so its compile must not include the header again (a second
 * definition of struct span and of struct iovec) nor define the macros
 * again (LIMIT, the variable, would expand).
 *
 * upstare-test: cflags="-include forced_include.h -imacros forced_macros.h"
 */
#include <stdio.h>

#undef LIMIT
int LIMIT = 3;	/* a global: its name stays in the instrumented text */

static int total(const struct span *v, int n)
{
	int t = 0;

	for (int i = 0; i < n; i++)
		t += span_len(v[i]);
	return t;
}

int main(void)
{
	struct span v[] = { SPAN(1, 4), SPAN(2, 9), SPAN(0, LIMIT) };
	char a[5], b[7];
	struct iovec iov[] = { { a, sizeof(a) }, { b, sizeof(b) } };

	printf("total %d\n", total(v, 3));
	printf("scaled %d limit %d\n", SCALE(LIMIT), LIMIT);
	printf("iov %zu\n", iov_total(iov, 2));
	return 0;
}
