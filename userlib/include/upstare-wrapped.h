/* SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause */
/*
 * The C library calls libupstare wraps, one line each:
 *
 *	UPSTARE_WRAPPED(KIND, RETURN, NAME, (PARAMETERS))
 *
 * KIND is POINT (the call may block: its wrapper is an update point, and a
 * call to it in instrumented code a continuation point) or QUIET (it never
 * blocks; the wrapper only keeps the runtime's state right).  The list is
 * read three times, with UPSTARE_WRAPPED defined for each:
 *   - instrumentor/libcalls.c: which calls are continuation points, and
 *     which undefined symbols the driver renames to __upstare_w_NAME;
 *   - userlib/wrap.c: the prototype of each wrapper __upstare_w_NAME
 *     (a definition that does not match its line does not compile), and
 *     the table of them the link keeps (one missing does not link).
 * Adding a wrapped call is a line here and its wrapper in wrap.c.
 */
UPSTARE_WRAPPED(POINT, ssize_t, read, (int fd, void *buf, size_t n))
UPSTARE_WRAPPED(POINT, ssize_t, readv, (int fd, const struct iovec *iov, int cnt))
UPSTARE_WRAPPED(POINT, ssize_t, recv, (int fd, void *buf, size_t n, int flags))
UPSTARE_WRAPPED(POINT, ssize_t, recvfrom, (int fd, void *buf, size_t n, int flags,
		struct sockaddr *a, socklen_t *al))
UPSTARE_WRAPPED(POINT, ssize_t, recvmsg, (int fd, struct msghdr *m, int flags))
UPSTARE_WRAPPED(POINT, ssize_t, write, (int fd, const void *buf, size_t n))
UPSTARE_WRAPPED(POINT, ssize_t, writev, (int fd, const struct iovec *iov, int cnt))
UPSTARE_WRAPPED(POINT, ssize_t, send, (int fd, const void *buf, size_t n, int flags))
UPSTARE_WRAPPED(POINT, ssize_t, sendto, (int fd, const void *buf, size_t n, int flags,
		const struct sockaddr *a, socklen_t al))
UPSTARE_WRAPPED(POINT, ssize_t, sendmsg, (int fd, const struct msghdr *m, int flags))
UPSTARE_WRAPPED(POINT, ssize_t, sendfile, (int out, int in, off_t *off, size_t n))
UPSTARE_WRAPPED(POINT, ssize_t, sendfile64, (int out, int in, off_t *off, size_t n))
UPSTARE_WRAPPED(POINT, int, accept, (int fd, struct sockaddr *a, socklen_t *al))
UPSTARE_WRAPPED(POINT, int, accept4, (int fd, struct sockaddr *a, socklen_t *al, int flags))
UPSTARE_WRAPPED(POINT, int, connect, (int fd, const struct sockaddr *a, socklen_t al))
UPSTARE_WRAPPED(POINT, int, poll, (struct pollfd *p, nfds_t n, int timeout))
UPSTARE_WRAPPED(POINT, int, ppoll, (struct pollfd *p, nfds_t n, const struct timespec *t,
		const sigset_t *s))
UPSTARE_WRAPPED(POINT, int, select, (int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t))
UPSTARE_WRAPPED(POINT, int, pselect, (int n, fd_set *r, fd_set *w, fd_set *e,
		const struct timespec *t, const sigset_t *s))
UPSTARE_WRAPPED(POINT, int, epoll_wait, (int ep, struct epoll_event *ev, int n, int timeout))
UPSTARE_WRAPPED(POINT, int, epoll_pwait, (int ep, struct epoll_event *ev, int n, int timeout,
		const sigset_t *s))
UPSTARE_WRAPPED(POINT, int, nanosleep, (const struct timespec *req, struct timespec *rem))
UPSTARE_WRAPPED(POINT, int, clock_nanosleep, (clockid_t c, int flags, const struct timespec *req,
		struct timespec *rem))
UPSTARE_WRAPPED(POINT, unsigned int, sleep, (unsigned int s))
UPSTARE_WRAPPED(POINT, int, usleep, (useconds_t us))
UPSTARE_WRAPPED(POINT, int, pause, (void))
UPSTARE_WRAPPED(POINT, pid_t, wait, (int *st))
UPSTARE_WRAPPED(POINT, pid_t, waitpid, (pid_t p, int *st, int opt))
UPSTARE_WRAPPED(POINT, int, pthread_join, (pthread_t th, void **ret))
UPSTARE_WRAPPED(POINT, int, sem_wait, (sem_t *s))
UPSTARE_WRAPPED(POINT, int, pthread_mutex_lock, (pthread_mutex_t *m))
UPSTARE_WRAPPED(POINT, int, pthread_cond_wait, (pthread_cond_t *c, pthread_mutex_t *m))
UPSTARE_WRAPPED(POINT, int, pthread_cond_timedwait, (pthread_cond_t *c, pthread_mutex_t *m,
		const struct timespec *t))
/* never block: no update point in their wrappers */
UPSTARE_WRAPPED(QUIET, int, sigprocmask, (int how, const sigset_t *set, sigset_t *old))
UPSTARE_WRAPPED(QUIET, int, pthread_sigmask, (int how, const sigset_t *set, sigset_t *old))
/* the child of a raw clone needs the runtime's fork reset */
UPSTARE_WRAPPED(QUIET, long, syscall, (long n, ...))
UPSTARE_WRAPPED(QUIET, int, clone, (int (*fn)(void *), void *stack, int flags, void *arg, ...))
