/*
 * A library's event list, the same in both versions (as libevent is to a
 * server): it links the events it is given, doubly, and calls each
 * event's callback with the event's argument.  It knows nothing of the
 * records the events are embedded in.
 */
#ifndef HOOKS_LIB_H
#define HOOKS_LIB_H

struct event {
	struct event *next, **prev;
	void (*cb)(void *arg);
	void *arg;
	int added;
};

void ev_set(struct event *ev, void (*cb)(void *), void *arg);
void ev_add(struct event *ev);
void ev_del(struct event *ev);
int ev_dispatch(void);

#endif
