/*
 * heap.c's declarations, with the patch's own conversion of both types:
 * each worker's start is set from its id, and each connection is copied
 * field by field (converted in place all the same), its born set, its two
 * pointers to objects converted on the heap given to the runtime to follow.
 */
#include <stddef.h>
#include <string.h>
#include <upstare.h>

struct event {
	struct event *next;
	void (*cb)(void *arg);
	void *arg;
};

struct worker_v1 {
	int id;
	long served;
};

struct worker {
	long started;
	int id;
	long served;
};

struct conn_v1 {
	int fd;
	char scratch[40];
	int state;
	struct event ev;
	long count;
	struct worker *worker;
	struct conn *next;
	char trailer[16];
};

struct conn {
	int state;
	int fd;
	char tag[24];
	long born;
	int flags;
	struct event ev;
	struct worker *worker;
	long count;
	struct conn *next;
};

static int xform_worker(void *new_obj, const void *old_obj, size_t old_size)
{
	const struct worker_v1 *o = old_obj;
	struct worker *w = new_obj;

	(void)old_size;
	w->id = o->id;
	w->served = o->served;
	w->started = 100 * o->id;
	return 0;
}

static int xform_conn(void *new_obj, const void *old_obj, size_t old_size)
{
	const struct conn_v1 *o = old_obj;
	struct conn *c = new_obj;

	(void)old_size;
	c->fd = o->fd;
	c->state = o->state;
	c->ev = o->ev;
	c->count = o->count;
	c->worker = o->worker;
	c->next = o->next;
	c->born = 7;
	if (upstare_heap_pointer((void **)&c->worker, "struct worker") ||
	    upstare_heap_pointer((void **)&c->next, "struct conn"))
		return -1;
	return 0;
}

UPSTARE_HEAP_CONVERT_IN_PLACE("struct conn");
UPSTARE_HEAP_CONVERT("struct worker");
UPSTARE_HEAP_ARRAY(conns, max_fds);
UPSTARE_HEAP_ARRAY(workers, settings.nworkers);
UPSTARE_TYPE_TRANSFORMER("struct worker", xform_worker);
UPSTARE_TYPE_TRANSFORMER("struct conn", xform_conn);
