// SPDX-License-Identifier: LGPL-2.1 OR BSD-2-Clause
/*
 * Wrappers of blocking calls: the bounded delay of an update.
 *
 * upstare-cc renames the calls of instrumented objects (and only theirs:
 * library code keeps the real functions) from NAME to __upstare_w_NAME.
 * The instrumentor treats these calls as call sites with a continuation
 * point, so a wrapper that returns while its thread unwinds makes the
 * calling frame save itself; after the rebuild the (new) code issues the
 * call again.  Each wrapper is an update point on entry; when the update
 * signal interrupts it (EINTR) with an update pending it lets the thread
 * unwind, or, when the update is refused, still being prepared or over,
 * issues the call again: the program never sees an EINTR that only the
 * update caused, and still sees those its own signals cause.  Writes that
 * made progress are completed before they return, so a short write caused
 * by the update cannot lose a byte.
 * Mutex waits poll for a pending update every 10 ms; condition waits are
 * woken by the leader (a spurious wakeup, which POSIX allows) and unwind
 * at the next wait.  sigprocmask and pthread_sigmask never block the
 * update signal.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <semaphore.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "runtime.h"
#include "transition.h"

#define POLL_NS 10000000l

/* Each wrapper as its line in the one list declares it. */
#define UPSTARE_WRAPPED(kind, ret, name, params) ret __upstare_w_##name params;
#include "upstare-wrapped.h"
#undef UPSTARE_WRAPPED

/*
 * Every wrapper, which upstare-cc links in (-Wl,-u) whether the program
 * calls it or not: a patch may.  A line of the list with no wrapper here
 * does not link.
 */
extern const void *const upstare__wrappers[];
const void *const upstare__wrappers[] = {
#define UPSTARE_WRAPPED(kind, ret, name, params) (const void *)__upstare_w_##name,
#include "upstare-wrapped.h"
#undef UPSTARE_WRAPPED
};

/*
 * An update point: nonzero means the caller returns and its frame unwinds.
 * A kick that came before it is spent: this check is what it asked for.
 */
static inline int point(void)
{
	struct thread_state *const ts = &upstare__ts;

	ts->kicked = 0;
	return __builtin_expect(__upstare_pending, 0) && upstare__update_point();
}

/*
 * The real call, with the thread marked as blocking in upstare_threads[]:
 * only such threads get the update signal, so it never interrupts a
 * blocking call in library code.  A signal that came just before counts.
 */
#define BLOCKING(call) ({						\
	struct thread_state *const __t = &upstare__ts;			\
	__typeof__(call) __v;						\
	__t->slot->blocking = 1;					\
	if (__t->kicked) {						\
		errno = EINTR;						\
		__v = (__typeof__(call))-1;				\
	} else {							\
		__v = (call);						\
	}								\
	__t->slot->blocking = 0;					\
	__v;								\
})

/*
 * EINTR caused by the update signal: the caller unwinds (point()) or
 * issues the call again.  Any other EINTR is the program's own and is
 * returned to it, update or not.
 */
static inline int interrupted(long r)
{
	struct thread_state *const ts = &upstare__ts;

	if (r >= 0 || errno != EINTR || !ts->kicked)
		return 0;
	ts->kicked = 0;
	return 1;
}

#define RESTARTABLE(type, call)					\
	do {							\
		type __r;					\
		if (point()) {					\
			errno = EINTR;				\
			return -1;				\
		}						\
		for (;;) {					\
			__r = BLOCKING(call);			\
			if (!interrupted(__r) || point())	\
				return __r;			\
		}						\
	} while (0)

ssize_t __upstare_w_read(int fd, void *buf, size_t n)
{
	RESTARTABLE(ssize_t, read(fd, buf, n));
}

ssize_t __upstare_w_readv(int fd, const struct iovec *iov, int cnt)
{
	RESTARTABLE(ssize_t, readv(fd, iov, cnt));
}

ssize_t __upstare_w_recv(int fd, void *buf, size_t n, int flags)
{
	RESTARTABLE(ssize_t, recv(fd, buf, n, flags));
}

ssize_t __upstare_w_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *a,
			     socklen_t *al)
{
	RESTARTABLE(ssize_t, recvfrom(fd, buf, n, flags, a, al));
}

ssize_t __upstare_w_recvmsg(int fd, struct msghdr *m, int flags)
{
	RESTARTABLE(ssize_t, recvmsg(fd, m, flags));
}

/*
 * A transfer that made progress when the update came: the thread unwinds
 * with how far it got, and the call the rebuilt frame issues again (the
 * first wrapped call of the thread after its rebuild) goes on from there
 * and returns the whole count.  So no byte is lost or sent twice, and a
 * consumer that is itself parked cannot hold the update up.
 */
static size_t resume_take(const void *call)
{
	struct thread_state *const ts = &upstare__ts;
	size_t done = ts->resume_call == call ? ts->resume_done : 0;

	ts->resume_call = NULL;
	ts->resume_done = 0;
	return done;
}

static int resume_later(const void *call, size_t done)
{
	struct thread_state *const ts = &upstare__ts;

	if (!point())
		return 0;
	ts->resume_call = call;
	ts->resume_done = done;
	return 1;
}

/* Skip n bytes of iov[*first..cnt) (a copy), moving *first. */
static void iov_skip(struct iovec *iov, int cnt, int *first, size_t n)
{
	while (*first < cnt && n >= iov[*first].iov_len)
		n -= iov[(*first)++].iov_len;
	if (*first < cnt) {
		iov[*first].iov_base = (char *)iov[*first].iov_base + n;
		iov[*first].iov_len -= n;
	}
}

/* writev (m == NULL) or sendmsg, all of it: see resume_take(). */
static ssize_t vec_write(const void *call, int fd, const struct msghdr *m,
			 const struct iovec *iov, int cnt, int flags)
{
	struct thread_state *const ts = &upstare__ts;
	size_t total = 0, done = resume_take(call);
	struct msghdr mm = { 0 };
	struct iovec *copy;
	int first = 0;
	ssize_t r;

	if (!done && point()) {
		errno = EINTR;
		return -1;
	}
	for (int i = 0; i < cnt; i++)
		total += iov[i].iov_len;
	copy = malloc((cnt ? cnt : 1) * sizeof(*copy));
	if (!copy) {
		errno = ENOMEM;
		return -1;
	}
	memcpy(copy, iov, cnt * sizeof(*copy));
	if (m)
		mm = *m;
	iov_skip(copy, cnt, &first, done);
	while (done < total || !total) {
		mm.msg_iov = copy + first;
		mm.msg_iovlen = cnt - first;
		if (done) {	/* the ancillary data went with the first part */
			mm.msg_control = NULL;
			mm.msg_controllen = 0;
		}
		r = BLOCKING(m ? sendmsg(fd, &mm, flags) : writev(fd, copy + first, cnt - first));
		if (r >= 0 && !total) {
			done = r;
			break;
		}
		if (r > 0) {
			done += r;
			iov_skip(copy, cnt, &first, r);
			if (done == total || (!ts->kicked && !__upstare_pending))
				break;
		} else if (!interrupted(r)) {
			free(copy);
			return done ? (ssize_t)done : r;
		}
		if (done ? resume_later(call, done) : point()) {
			free(copy);
			errno = EINTR;
			return -1;
		}
	}
	free(copy);
	return done;
}

ssize_t __upstare_w_sendmsg(int fd, const struct msghdr *m, int flags)
{
	return vec_write(__func__, fd, m, m->msg_iov, m->msg_iovlen, flags);
}

ssize_t __upstare_w_writev(int fd, const struct iovec *iov, int cnt)
{
	return vec_write(__func__, fd, NULL, iov, cnt, 0);
}

int __upstare_w_accept(int fd, struct sockaddr *a, socklen_t *al)
{
	RESTARTABLE(int, accept(fd, a, al));
}

int __upstare_w_accept4(int fd, struct sockaddr *a, socklen_t *al, int flags)
{
	RESTARTABLE(int, accept4(fd, a, al, flags));
}

int __upstare_w_connect(int fd, const struct sockaddr *a, socklen_t al)
{
	RESTARTABLE(int, connect(fd, a, al));
}

int __upstare_w_poll(struct pollfd *p, nfds_t n, int timeout)
{
	RESTARTABLE(int, poll(p, n, timeout));
}

int __upstare_w_ppoll(struct pollfd *p, nfds_t n, const struct timespec *t,
		      const sigset_t *s)
{
	RESTARTABLE(int, ppoll(p, n, t, s));
}

int __upstare_w_select(int n, fd_set *r, fd_set *w, fd_set *e, struct timeval *t)
{
	RESTARTABLE(int, select(n, r, w, e, t));
}

int __upstare_w_pselect(int n, fd_set *r, fd_set *w, fd_set *e, const struct timespec *t,
			const sigset_t *s)
{
	RESTARTABLE(int, pselect(n, r, w, e, t, s));
}

int __upstare_w_epoll_wait(int ep, struct epoll_event *ev, int n, int timeout)
{
	RESTARTABLE(int, epoll_wait(ep, ev, n, timeout));
}

int __upstare_w_epoll_pwait(int ep, struct epoll_event *ev, int n, int timeout,
			    const sigset_t *s)
{
	RESTARTABLE(int, epoll_pwait(ep, ev, n, timeout, s));
}

int __upstare_w_nanosleep(const struct timespec *req, struct timespec *rem)
{
	RESTARTABLE(int, nanosleep(req, rem));
}

int __upstare_w_clock_nanosleep(clockid_t c, int flags, const struct timespec *req,
				struct timespec *rem)
{
	struct thread_state *const ts = &upstare__ts;
	int r;

	if (point())
		return EINTR;
	for (;;) {
		ts->slot->blocking = 1;
		r = clock_nanosleep(c, flags, req, rem);
		ts->slot->blocking = 0;
		if (r != EINTR || !ts->kicked)
			return r;
		if (point())
			return r;
	}
}

int __upstare_w_usleep(useconds_t us)
{
	RESTARTABLE(int, usleep(us));
}

unsigned int __upstare_w_sleep(unsigned int s)
{
	struct timespec t = { s, 0 };

	if (point())
		return s;
	for (;;) {
		if (!BLOCKING(nanosleep(&t, &t)))
			return 0;
		if (!interrupted(-1))
			return t.tv_sec + (t.tv_nsec > 0);
		if (point())
			return s;
	}
}

int __upstare_w_pause(void)
{
	RESTARTABLE(int, pause());
}

pid_t __upstare_w_wait(int *st)
{
	RESTARTABLE(pid_t, wait(st));
}

pid_t __upstare_w_waitpid(pid_t p, int *st, int opt)
{
	RESTARTABLE(pid_t, waitpid(p, st, opt));
}

int __upstare_w_sem_wait(sem_t *s)
{
	RESTARTABLE(int, sem_wait(s));
}

/* Write all of it: see resume_take(). */
#define COMPLETE(call, n)						\
	do {								\
		size_t done = resume_take(__func__);			\
		ssize_t r;						\
		if (!done && point()) {					\
			errno = EINTR;					\
			return -1;					\
		}							\
		while (done < (n)) {					\
			r = BLOCKING(call);				\
			if (r > 0) {					\
				done += r;				\
				if (done == (n) || (!upstare__ts.kicked && \
				    !__upstare_pending))		\
					return done;			\
			} else if (!interrupted(r)) {			\
				return done ? (ssize_t)done : r;	\
			}						\
			if (done ? resume_later(__func__, done) : point()) { \
				errno = EINTR;				\
				return -1;				\
			}						\
		}							\
		return done;						\
	} while (0)

ssize_t __upstare_w_write(int fd, const void *buf, size_t n)
{
	COMPLETE(write(fd, (const char *)buf + done, n - done), n);
}

ssize_t __upstare_w_send(int fd, const void *buf, size_t n, int flags)
{
	COMPLETE(send(fd, (const char *)buf + done, n - done, flags), n);
}

ssize_t __upstare_w_sendto(int fd, const void *buf, size_t n, int flags,
			   const struct sockaddr *a, socklen_t al)
{
	COMPLETE(sendto(fd, (const char *)buf + done, n - done, flags, a, al), n);
}

ssize_t __upstare_w_sendfile(int out, int in, off_t *off, size_t n)
{
	COMPLETE(sendfile(out, in, off, n - done), n);
}

/* sendfile as programs built with _FILE_OFFSET_BITS=64 call it */
ssize_t __upstare_w_sendfile64(int out, int in, off_t *off, size_t n)
{
	COMPLETE(sendfile(out, in, off, n - done), n);
}

static void deadline(struct timespec *t, clockid_t c)
{
	clock_gettime(c, t);
	t->tv_nsec += POLL_NS;
	if (t->tv_nsec >= 1000000000l) {
		t->tv_sec++;
		t->tv_nsec -= 1000000000l;
	}
}

int __upstare_w_pthread_mutex_lock(pthread_mutex_t *m)
{
	struct timespec t;
	int r;

	if (point())
		return EINTR;
	r = pthread_mutex_trylock(m);
	if (r != EBUSY)
		return r;
	for (;;) {
		deadline(&t, CLOCK_REALTIME);
		r = pthread_mutex_timedlock(m, &t);
		if (r != ETIMEDOUT)
			return r;
		if (point())
			return EINTR;
	}
}

/*
 * Out of a condition wait: under the registry's lock, so that once the
 * program gets control back (and may destroy the condition variable) no
 * upstare__kick_unparked() is still broadcasting on it.
 */
static void cond_done(struct thread_state *ts)
{
	upstare__registry_lock();
	ts->wait_cond = NULL;
	upstare__registry_unlock();
}

int __upstare_w_pthread_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct thread_state *const ts = &upstare__ts;
	int r;

	if (point())
		return 0;
	ts->wait_cond = c;
	r = pthread_cond_wait(c, m);
	cond_done(ts);
	return r;
}

int __upstare_w_pthread_cond_timedwait(pthread_cond_t *c, pthread_mutex_t *m,
				       const struct timespec *t)
{
	struct thread_state *const ts = &upstare__ts;
	int r;

	if (point())
		return 0;
	ts->wait_cond = c;
	r = pthread_cond_timedwait(c, m, t);
	cond_done(ts);
	return r;
}

int __upstare_w_pthread_join(pthread_t th, void **ret)
{
	struct timespec t;
	int r;

	if (point())
		return EINTR;
	for (;;) {
		deadline(&t, CLOCK_REALTIME);
		r = pthread_timedjoin_np(th, ret, &t);
		if (r != ETIMEDOUT)
			return r;
		if (point())
			return EINTR;
	}
}

/* The set without the update signal, when it would block it. */
static const sigset_t *keep_update_signal(int how, const sigset_t *set, sigset_t *copy)
{
	if (!set || how == SIG_UNBLOCK || !sigismember(set, upstare__update_signal()))
		return set;
	*copy = *set;
	sigdelset(copy, upstare__update_signal());
	return copy;
}

int __upstare_w_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;

	return sigprocmask(how, keep_update_signal(how, set, &copy), old);
}

int __upstare_w_pthread_sigmask(int how, const sigset_t *set, sigset_t *old)
{
	sigset_t copy;

	return pthread_sigmask(how, keep_update_signal(how, set, &copy), old);
}

/*
 * Processes made without fork(): vsftpd makes its sessions with
 * syscall(__NR_clone, CLONE_NEWPID | ... | SIGCHLD, NULL), which runs no
 * atfork handler, so the child went on with its parent's thread table
 * (every thread of the parent, none of them its own) and no update of it
 * could ever complete.  A child that does not share the parent's memory
 * (no CLONE_VM) gets the same fresh table a fork()ed one does.  A child
 * that shares it (CLONE_VM without CLONE_THREAD, as posix_spawn's) must
 * not touch the parent's runtime state, and it is left alone.
 */
static int own_memory(unsigned long flags)
{
	return !(flags & (CLONE_VM | CLONE_THREAD));
}

long __upstare_w_syscall(long n, ...)
{
	long a[6], r;
	va_list ap;

	/* as syscall(2) itself does: six arguments, whatever the call takes */
	va_start(ap, n);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	r = syscall(n, a[0], a[1], a[2], a[3], a[4], a[5]);
	if (r == 0 && ((n == SYS_clone && own_memory(a[0])) ||
		       (n == SYS_clone3 && a[0] && own_memory(((struct clone_args *)a[0])->flags))))
		upstare__after_fork_child();
	return r;
}

struct clone_start {
	int (*fn)(void *);
	void *arg;
};

static int clone_entry(void *p)
{
	struct clone_start s = *(struct clone_start *)p;

	upstare__after_fork_child();
	return s.fn(s.arg);
}

int __upstare_w_clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	struct clone_start s = { fn, arg };
	pid_t *ptid, *ctid;
	void *tls;
	va_list ap;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	/* the child has its own copy of s, on the parent's stack as it was */
	if (own_memory(flags))
		return clone(clone_entry, stack, flags, &s, ptid, tls, ctid);
	return clone(fn, stack, flags, arg, ptid, tls, ctid);
}
