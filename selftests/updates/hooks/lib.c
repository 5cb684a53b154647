#include <stddef.h>

#include "lib.h"

static struct event *head;

void ev_set(struct event *ev, void (*cb)(void *), void *arg)
{
	ev->next = NULL;
	ev->prev = NULL;
	ev->cb = cb;
	ev->arg = arg;
	ev->added = 0;
}

void ev_add(struct event *ev)
{
	if (ev->added)
		return;
	ev->next = head;
	if (head)
		head->prev = &ev->next;
	ev->prev = &head;
	head = ev;
	ev->added = 1;
}

void ev_del(struct event *ev)
{
	if (!ev->added)
		return;
	if (ev->next)
		ev->next->prev = ev->prev;
	*ev->prev = ev->next;
	ev->added = 0;
}

int ev_dispatch(void)
{
	int n = 0;

	for (struct event *ev = head; ev; ev = ev->next, n++)
		ev->cb(ev->arg);
	return n;
}
