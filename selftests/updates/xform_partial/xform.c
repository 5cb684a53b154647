/*
 * cfg's transformer: the generated steps (port and name, by name), then
 * what they cannot do: the union (v1 keeps an int in it) and the counter
 * that became total.
 */
#include <upstare.h>

union val {
	long l;
	int i;
	float f;
};
struct cfg {
	char name[8];
	union val v;
	int port;
	long total;
	int lo, hi;
};

static int xform_cfg(void *new_obj, const void *old_obj, size_t old_size)
{
	struct cfg *c = new_obj;
	const int *v = upstare_old_field(old_obj, "v", NULL);
	const long *count = upstare_old_field(old_obj, "removed_count", NULL);
	size_t lo_size = 0, hi_size = 0;
	const int *lo = upstare_old_field(old_obj, "lo", &lo_size);
	const int *hi = upstare_old_field(old_obj, "hi", &hi_size);
	int err = upstare_convert_default(new_obj, old_obj);

	(void)old_size;
	if (err)
		return err;
	if (!v || !count) {
		upstare_fail("the old cfg has no v or removed_count");
		return -1;
	}
	/* lo and hi are carried by one step; each is found on its own */
	if (!lo || !hi || lo_size != sizeof(int) || hi_size != sizeof(int) || hi != lo + 1) {
		upstare_fail("old_field: lo %p (%zu) hi %p (%zu)", (const void *)lo, lo_size,
			     (const void *)hi, hi_size);
		return -1;
	}
	c->v.l = *v;
	c->total = *count;
	return 0;
}

UPSTARE_GLOBAL_TRANSFORMER(cfg, xform_cfg);
