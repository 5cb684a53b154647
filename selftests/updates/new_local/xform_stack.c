/* A stack transformer: main's new local starts from the old counter. */
#include <errno.h>
#include <upstare.h>

static int xform_main(struct upstare_frame *f)
{
	size_t sz_old, sz_new;
	int *n = upstare_frame_old(f, "n", &sz_old);
	int *since = upstare_frame_new(f, "since", &sz_new);

	if (!n || !since || sz_old != sizeof(int) || sz_new != sizeof(int)) {
		upstare_fail("main at %s: no local n or since", upstare_frame_key(f));
		return -ENOENT;
	}
	*since = 1000 * *n;
	return 0;
}

UPSTARE_STACK_TRANSFORMER("main", xform_main);
