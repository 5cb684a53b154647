/*
 * v2 -> v3: the pre-commit hook reads version 2's globals through
 * upstare_old_global(): where version 2 keeps them (the v1 -> v2 patch
 * moved total and limit), prog.c's global count and not other.c's static,
 * and the static fresh that version 2 added; "limit" alone names statics
 * of two files, so nothing.  Wrong storage breaks
 * total + 10 == limit == count - 10; then the hook fails and the update
 * rolls back.
 */
#include <stdio.h>
#include <upstare.h>

static int check(void)
{
	const long *total = upstare_old_global("total"), *limit = upstare_old_global("prog.c:limit"),
		   *limit2 = upstare_old_global("limit");
	const int *count = upstare_old_global("count"), *fresh = upstare_old_global("prog.c:fresh"),
		  *other = upstare_old_global("other.c:count");
	int ok = total && limit && !limit2 && count && fresh && other &&
		 *total + 10 == *limit && *limit + 10 == *count && *other == 1000 && *fresh > 5;

	printf("HOOK %s total=%ld limit=%ld count=%d fresh=%d other=%d\n", ok ? "ok" : "bad",
	       total ? *total : -1L, limit ? *limit : -1L, count ? *count : -1,
	       fresh ? *fresh : -1, other ? *other : -1);
	fflush(stdout);
	return ok ? 0 : -1;
}
UPSTARE_PRE_COMMIT(check);
