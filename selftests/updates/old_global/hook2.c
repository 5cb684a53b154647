/*
 * v1 -> v2: this patch itself moves prog.c's static limit (int to long),
 * and other.c has a static limit too: "limit" alone must give nothing,
 * "prog.c:limit" version 1's int, which is total + 10.
 */
#include <stdio.h>
#include <upstare.h>

static int check(void)
{
	const int *total = upstare_old_global("total"), *limit = upstare_old_global("prog.c:limit"),
		  *other = upstare_old_global("other.c:limit");
	const void *either = upstare_old_global("limit");
	int ok = total && limit && other && !either && *total + 10 == *limit && *other == 500;

	printf("HOOK2 %s total=%d limit=%d other=%d either=%s\n", ok ? "ok" : "bad",
	       total ? *total : -1, limit ? *limit : -1, other ? *other : -1,
	       either ? "found" : "none");
	fflush(stdout);
	return ok ? 0 : -1;
}
UPSTARE_PRE_COMMIT(check);
