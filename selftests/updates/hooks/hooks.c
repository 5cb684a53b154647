/*
 * The patch's part for what the conversion cannot see: the library links
 * each old connection's event.  The transformer converts each connection
 * and notes where its old event is; the pre-commit hook takes every old
 * event out of the library's list and puts the new connection's in, with
 * version 2's callback (a static function: upstare_new_function()); the
 * rollback hook puts the list back as it was.  It finds version 1's static
 * max_fds with upstare_old_global().  -DFAIL_AT=N: the pre-commit
 * hook fails after moving N events.
 */
#include <errno.h>
#include <upstare.h>

#include "lib.h"

UPSTARE_HEAP_CONVERT("struct conn");
UPSTARE_HEAP_ARRAY(conns, max_fds);

#include "v2/conn.h"

static struct moved {
	struct event *old_ev;
	struct conn *c;
} moved[64];
static int nmoved, nswapped;

static int xform_conn(void *new_obj, const void *old_obj, size_t old_size)
{
	struct conn *c = new_obj;
	size_t size;
	struct event *old_ev = (struct event *)upstare_old_field(old_obj, "ev", &size);

	(void)old_size;
	if (upstare_convert_default(c, old_obj))
		return -EINVAL;
	if (!old_ev || size != sizeof(*old_ev) || nmoved == 64) {
		upstare_fail("connection %d: no event to move", c->fd);
		return -EINVAL;
	}
	moved[nmoved++] = (struct moved){ old_ev, c };
	return 0;
}
UPSTARE_TYPE_TRANSFORMER("struct conn", xform_conn);

static int move_events(void)
{
	void (*cb)(void *) = upstare_new_function("on_ready2", "prog.c");
	/* version 1's static, by file and name, and by name alone */
	const int *max = upstare_old_global("prog.c:max_fds"), *max2 = upstare_old_global("max_fds");

	if (!cb) {
		upstare_fail("version 2 has no on_ready2");
		return -ENOENT;
	}
	if (!max || max != max2 || *max != 32 || upstare_old_global("lib.c:max_fds")) {
		upstare_fail("version 1's static max_fds not found by name");
		return -ENOENT;
	}
	for (; nswapped < nmoved; nswapped++) {
		struct moved *m = &moved[nswapped];

#ifdef FAIL_AT
		if (nswapped == FAIL_AT) {
			upstare_fail("failing on purpose after %d events", nswapped);
			return -EIO;
		}
#endif
		ev_del(m->old_ev);
		ev_set(&m->c->ev, cb, m->c);
		ev_add(&m->c->ev);
	}
	return 0;
}
UPSTARE_PRE_COMMIT(move_events);

static int put_events_back(void)
{
	while (nswapped > 0) {
		struct moved *m = &moved[--nswapped];

		ev_del(&m->c->ev);
		ev_add(m->old_ev);
	}
	nmoved = 0;
	return 0;
}
UPSTARE_ON_ROLLBACK(put_events_back);
