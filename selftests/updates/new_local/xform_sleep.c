/*
 * A stack transformer that blocks in sleep() for an hour, after writing
 * the saved frame it was given: the update must roll back at its deadline,
 * with the saved frame put back.
 */
#include <unistd.h>
#include <upstare.h>

static int xform_main(struct upstare_frame *f)
{
	int *n = upstare_frame_old(f, "n", NULL);

	if (n)
		*n = -1000;	/* in place: must be undone */
	sleep(3600);
	return 0;
}

UPSTARE_STACK_TRANSFORMER("main", xform_main);
