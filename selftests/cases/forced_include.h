/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Given to forced_include.c with -include: it uses what this defines
 * without including it.  <sys/uio.h> too, as memcached's build forces a
 * header that includes system headers.
 */
#include <stddef.h>
#include <sys/uio.h>

struct span {
	int lo, hi;
};

#define SPAN(a, b) ((struct span){ (a), (b) })

static int span_len(struct span s)
{
	return s.hi - s.lo;
}

static size_t iov_total(const struct iovec *v, int n)
{
	size_t t = 0;

	for (int i = 0; i < n; i++)
		t += v[i].iov_len;
	return t;
}
