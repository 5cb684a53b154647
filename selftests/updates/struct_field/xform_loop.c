/*
 * A global transformer that never returns, after writing the old storage
 * it was given: the update must roll back at its deadline, with the old
 * bytes put back.  It spends most of its time in malloc and free, where
 * the deadline must not abandon it (the rollback frees memory too).
 */
#include <stdlib.h>
#include <upstare.h>

struct stats_v1 {
	long requests;
	long bytes;
};

static int xform_stats(void *new_obj, const void *old_obj, size_t old_size)
{
	volatile long spin = 0;

	(void)new_obj;
	(void)old_size;
	((struct stats_v1 *)old_obj)->bytes = 999;	/* in place: must be undone */
	for (;;) {
		char *volatile p = malloc(64 + spin % 4096);

		free(p);
		spin++;
	}
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(stats, xform_stats);
