/*
 * update/old_global: what upstare_old_global() gives a hook along a chain
 * of patches.  V2 (and V3) widen the global total and the static limit to
 * long, so the v1 -> v2 patch moves both to storage of its own, and add
 * the static fresh; count is a global here and a static in other.c.
 * total, limit and count grow together: total + 10 == limit and
 * limit + 10 == count at every update point.
 */
#include <stdio.h>
#include <unistd.h>
#ifdef V3
#include <upstare.h>	/* outside a hook: nothing */
#define OUTSIDE() (upstare_old_global("total") || upstare_new_function("main", NULL) ? \
		   "found" : "none")
#else
#define OUTSIDE() "-"
#endif

#if defined(V2) || defined(V3)
typedef long wide_t;
#define VERSION_NAME (defined_v3 ? "v3" : "v2")
static int fresh = 5;		/* new in v2 */
#define FRESH() fresh++
#else
typedef int wide_t;
#define FRESH() (void)0
#endif
#ifdef V3
static const int defined_v3 = 1;
#else
static const int defined_v3 = 0;
#endif

wide_t total = 10;
static wide_t limit = 20;
int count = 30;

int other_count(void);

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	for (long n = 1;; n++) {
#if defined(V2) || defined(V3)
		printf("%s n=%ld total=%ld limit=%ld count=%d other=%d outside=%s\n", VERSION_NAME,
		       n, (long)total, (long)limit, count, other_count(), OUTSIDE());
#else
		printf("v1 n=%ld total=%ld limit=%ld count=%d other=%d\n", n, (long)total,
		       (long)limit, count, other_count());
#endif
		total++;
		limit++;
		count++;
		FRESH();
		usleep(20000);
	}
}
