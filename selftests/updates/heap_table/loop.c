/* heap.c's declarations, and a transformer of the workers that never returns. */
#include <upstare.h>

static int xform_worker(void *new_obj, const void *old_obj, size_t old_size)
{
	volatile int spin = 1;

	(void)new_obj;
	(void)old_obj;
	(void)old_size;
	while (spin)
		;
	return 0;
}

UPSTARE_HEAP_CONVERT_IN_PLACE("struct conn");
UPSTARE_HEAP_CONVERT("struct worker");
UPSTARE_HEAP_ARRAY(conns, max_fds);
UPSTARE_HEAP_ARRAY(workers, settings.nworkers);
UPSTARE_TYPE_TRANSFORMER("struct worker", xform_worker);
