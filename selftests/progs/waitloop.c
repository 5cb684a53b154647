/*
 * An event loop in a shared library built as distributions build them
 * (-O2, no frame pointers): waitloop_run() waits for its descriptor in
 * epoll_wait() and calls back the program for each event, as libevent's
 * event_base_loop() does.  Used by observe/library_blocked.
 */
#include <sys/epoll.h>

static int dispatch(int ep, void (*cb)(int), int fd)
{
	struct epoll_event ev[4];
	int n = epoll_wait(ep, ev, 4, -1);

	for (int i = 0; i < n; i++)
		cb(fd);
	return n;
}

int waitloop_run(int fd, void (*cb)(int))
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	int ep = epoll_create1(0);

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
		return -1;
	for (;;)
		if (dispatch(ep, cb, fd) < 0)
			return -1;
}
