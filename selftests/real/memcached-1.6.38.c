/*
 * memcached 1.6.18 -> 1.6.38 (Debian bookworm -> trixie): what the update
 * cannot derive, as the patch's author writes it (real/memcached_1638,
 * Documentation/patches.rst's worked example).  Compiled into the patch
 * with 1.6.38's objects: -I<1.6.38 build> -I<libevent>/include
 * -DHAVE_CONFIG_H.
 *
 * - The connections and the worker records move to new objects (both
 *   grow); libevent links their old events: each is taken out and the new
 *   object's put in (pre-commit), and put back on a rollback.
 * - A worker's notification eventfd moved into a record (n), and it has a
 *   second one for IO objects (ion), made here.
 * - The slab mover's state became a record (settings.slab_rebal) that the
 *   mover thread gets as its argument: made here, and the mover thread
 *   starts its new function again from its entry with it.
 * - A worker's queue of connections handed over must be empty, and its
 *   held response bundle hold no response (else the update is refused,
 *   to be tried again).
 */
#include "memcached.h"
#include "slab_automove.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <upstare.h>

UPSTARE_HEAP_CONVERT("struct conn");
UPSTARE_HEAP_ARRAY(conns, max_fds);
UPSTARE_HEAP_CONVERT("LIBEVENT_THREAD");
UPSTARE_HEAP_ARRAY(threads, settings.num_threads);

typedef void (*ev_cb)(evutil_socket_t, short, void *);

/* One libevent registration to move: the old event (or none), the new. */
static struct move {
	struct event *old_ev, *new_ev;
	struct event_base *base;
	evutil_socket_t fd;
	short what;
	ev_cb cb;
	void *arg;
	int added;
} *moves;
static int nmoves, capmoves, nmoved;
static int *fds, nfds;	/* eventfds made: closed on a rollback */

static int note(struct event *old_ev, struct event *new_ev, struct event_base *base,
		evutil_socket_t fd, short what, ev_cb cb, void *arg)
{
	if (nmoves == capmoves) {
		struct move *m = realloc(moves, (capmoves * 2 + 64) * sizeof(*m));

		if (!m)
			return -ENOMEM;
		moves = m;
		capmoves = capmoves * 2 + 64;
	}
	if (old_ev && event_pending(old_ev, EV_TIMEOUT, NULL)) {
		upstare_fail("an event of fd %d has a timeout, which is not moved", fd);
		return -EINVAL;
	}
	moves[nmoves++] = (struct move){ old_ev, new_ev, base, fd, what, cb, arg,
					 !old_ev || event_pending(old_ev, EV_READ | EV_WRITE, NULL) };
	return 0;
}

static int xform_conn(void *new_obj, const void *old_obj, size_t old_size)
{
	static ev_cb handler;
	conn *c = new_obj;
	size_t size;
	struct event *old_ev = (struct event *)upstare_old_field(old_obj, "event", &size);
	int err = upstare_convert_default(c, old_obj);

	(void)old_size;
	if (err)
		return err;
	if (!handler && !(handler = upstare_new_function("event_handler", "memcached.c"))) {
		upstare_fail("the new version has no event_handler");
		return -ENOENT;
	}
	return note(old_ev, &c->event, event_get_base(old_ev), event_get_fd(old_ev),
		    event_get_events(old_ev), handler, c);
}
UPSTARE_TYPE_TRANSFORMER("struct conn", xform_conn);

static int new_eventfd(unsigned int count)
{
	int fd = eventfd(count, EFD_NONBLOCK);
	int *f = fd < 0 ? NULL : realloc(fds, (nfds + 1) * sizeof(*fds));

	if (!f) {
		upstare_fail("eventfd: %s", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fds = f;
	return fds[nfds++] = fd;
}

/*
 * upstare_convert_default() but for the old pointer fields named, which
 * the transformer does itself: taken as NULL by the generated steps.
 */
static int convert_but(void *new_obj, const void *old_obj, size_t old_size,
		       const char *const *fields)
{
	char *tmp = malloc(old_size);
	int err;

	if (!tmp)
		return -ENOMEM;
	memcpy(tmp, old_obj, old_size);
	for (; *fields; fields++) {
		const char *f = upstare_old_field(old_obj, *fields, NULL);

		if (f)
			*(void **)(tmp + (f - (const char *)old_obj)) = NULL;
	}
	err = upstare_convert_default(new_obj, tmp);
	free(tmp);
	return err;
}

static int xform_thread(void *new_obj, const void *old_obj, size_t old_size)
{
	LIBEVENT_THREAD *t = new_obj;
	struct event *old_ev = (struct event *)upstare_old_field(old_obj, "notify_event", NULL);
	const int *efd = upstare_old_field(old_obj, "notify_event_fd", NULL);
	void *const *storage = upstare_old_field(old_obj, "storage", NULL);
	char *const *old_threads = upstare_old_global("threads");
	ev_cb process = upstare_new_function("thread_libevent_process", "thread.c");
	ev_cb ionotify = upstare_new_function("thread_libevent_ionotify", "thread.c");
	int err;

	if (!old_ev || !efd || !old_threads || !process || !ionotify) {
		upstare_fail("the worker records are not those of 1.6.18 to 1.6.38");
		return -EINVAL;
	}
	if (storage && *storage) {
		upstare_fail("extstore is in use: its IO queues are not converted");
		return -EINVAL;
	}
	/*
	 * The worker's queue of connections handed over: the same record in both
	 * versions, but its items point to connections (converted): kept as it
	 * is when empty.  Its held response bundle: the header grew; with no
	 * response in it, dropped (the new version allocates another).
	 */
	void *const *q = upstare_old_field(old_obj, "ev_queue", NULL);
	void *const *bundle = upstare_old_field(old_obj, "open_bundle", NULL);
	static const char *const by_hand[] = { "ev_queue", "open_bundle", NULL };

	if (!q || !bundle) {
		upstare_fail("the worker records are not those of 1.6.18");
		return -EINVAL;
	}
	if (*q && *(void **)*q) {	/* the queue's first item */
		upstare_fail("a connection is being handed to a worker");
		return -EBUSY;
	}
	/* 1.6.18's bundle: uint8_t refcount, next_check; the next bundle */
	if (*bundle && (*(uint8_t *)*bundle || *(void **)((char *)*bundle + 8))) {
		upstare_fail("a worker has responses in flight");
		return -EBUSY;
	}
	err = convert_but(t, old_obj, old_size, by_hand);
	if (err)
		return err;
	t->ev_queue = *q;
	t->open_bundle = NULL;
	/* the old IO queue callbacks: the new version's queues, none but the last */
	memset(t->io_queues, 0, sizeof(t->io_queues));
	thread_io_queue_add(t, IO_QUEUE_NONE, NULL, NULL);
	/* threads leads to the old array or already to the new one */
	if ((const char *)old_obj >= *old_threads &&
	    ((const char *)old_obj - *old_threads) % old_size == 0)
		t->thread_baseid = ((const char *)old_obj - *old_threads) / old_size;
	else if ((char *)t >= *old_threads && ((char *)t - *old_threads) % sizeof(*t) == 0)
		t->thread_baseid = ((char *)t - *old_threads) / sizeof(*t);
	else {
		upstare_fail("a worker record outside the array threads");
		return -EINVAL;
	}
	pthread_mutex_init(&t->ion_lock, NULL);
	STAILQ_INIT(&t->ion_head);
	/* the same eventfd, and what it counts: connections handed over */
	t->n.notify_event_fd = *efd;
	if ((t->ion.notify_event_fd = new_eventfd(0)) < 0)
		return -EMFILE;
	err = note(old_ev, &t->n.notify_event, t->base, t->n.notify_event_fd,
		   EV_READ | EV_PERSIST, process, t);
	return err ? err : note(NULL, &t->ion.notify_event, t->base, t->ion.notify_event_fd,
				EV_READ | EV_PERSIST, ionotify, t);
}
UPSTARE_TYPE_TRANSFORMER("LIBEVENT_THREAD", xform_thread);

/* slabs_mover.c's own record, as 1.6.38 has it */
struct slab_rebalance {
	void *slab_start, *slab_end, *slab_pos;
	unsigned int s_clsid, d_clsid;
	uint32_t cls_size, busy_items, rescues, inline_reclaim, chunk_rescues, busy_nomem,
		busy_deletes, busy_loops;
	uint8_t done;
	uint8_t *completed;
};

struct slab_rebal_thread {
	bool run_thread;
	bool allow_evictions;
	void *storage;
	item *new_it;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t tid;
	logger *l;
	unsigned int am_version;
	struct timespec am_last;
	slab_automove_reg_t *sam;
	void *active_am;
	struct slab_rebalance rebal;
};

static slab_automove_reg_t automove = {
	.init = slab_automove_init, .free = slab_automove_free, .run = slab_automove_run,
};
static struct slab_rebal_thread *mover;

/* The mover thread waits in 1.6.18's slab_rebalance_thread(NULL) */
static int xform_mover(struct upstare_frame *f)
{
	void **arg = upstare_frame_new(f, "arg", NULL);
	pthread_t *tid = upstare_old_global("slabs.c:rebalance_tid");

	if (!arg || !tid) {
		upstare_fail("the slab mover's frame is not that of 1.6.18");
		return -EINVAL;
	}
	if (!mover) {
		mover = calloc(1, sizeof(*mover));
		if (!mover)
			return -ENOMEM;
		pthread_mutex_init(&mover->lock, NULL);
		pthread_cond_init(&mover->cond, NULL);
		mover->run_thread = true;
		mover->sam = &automove;
		mover->active_am = automove.init(&settings);
		if (!mover->active_am) {
			upstare_fail("the slab automover's memory");
			return -ENOMEM;
		}
		mover->tid = *tid;
	}
	*arg = mover;
	return upstare_frame_set_key(f, "entry");
}
UPSTARE_STACK_TRANSFORMER("slab_rebalance_thread", xform_mover);

static int pre_commit(void)
{
	for (; nmoved < nmoves; nmoved++) {
		struct move *m = &moves[nmoved];

#ifdef FAIL_AT	/* real/memcached_1638's check of the rollback hook */
		if (nmoved == FAIL_AT) {
			upstare_fail("failing on purpose after moving %d events", nmoved);
			return -EIO;
		}
#endif
		if (m->old_ev && m->added)
			event_del(m->old_ev);
		if (event_assign(m->new_ev, m->base, m->fd, m->what, m->cb, m->arg) ||
		    (m->added && event_add(m->new_ev, NULL))) {
			upstare_fail("cannot add the event of fd %d", m->fd);
			nmoved++;	/* the rollback deletes it and adds the old */
			return -EIO;
		}
	}
	settings.slab_rebal = mover;
	return 0;
}
UPSTARE_PRE_COMMIT(pre_commit);

static int on_rollback(void)
{
	while (nmoved > 0) {
		struct move *m = &moves[--nmoved];

		event_del(m->new_ev);
		if (m->old_ev && m->added)
			event_add(m->old_ev, NULL);
	}
	while (nfds > 0)
		close(fds[--nfds]);
	if (mover) {
		automove.free(mover->active_am);
		free(mover);
		mover = NULL;
	}
	nmoves = 0;
	return 0;
}
UPSTARE_ON_ROLLBACK(on_rollback);
