// SPDX-License-Identifier: GPL-2.0
/*
 * The update driver: apply a patch to a running process, for upstarectl
 * update --direct and for upstared (update.h).
 *
 * Drives the protocol of userlib/include/upstare-ctl.h directly: finds the
 * process's control block from its executable's symbol table and
 * /proc/PID/maps, writes the request through /proc/PID/mem (target.c), sets the
 * target's pending flag, signals the threads that are inside a blocking
 * call, passes the target the descriptor of the patch (opened and checked
 * here) when it asks for it (send_patch()), and polls the block until the
 * target has answered.  The target itself loads and checks the patch,
 * enforces the deadline and rolls back; this side only asks and reports.
 *
 * With --tree the process and all its descendants are updated in one step:
 * each target is asked to wait, transformed but not committed, until every
 * one is ready; then all commit, or all roll back if one of them failed.
 *
 * With --constraints FILE, each target stops with every thread parked and
 * describes their stacks; the constraints are checked on the threads of all
 * of them at once, and the update goes on, or the threads are released and
 * it is tried again until the file's deadline (Documentation/constraints.rst).
 * --stacks stops at the same check barrier and reports the stacks the
 * targets described there (with --constraints: those the check passed on).
 *
 * --threads and --depth (a partial update) stop there too: a frame outside
 * their scope that uses a record type the patch changes refuses the update
 * (type safety), and so does any frame outside it, since the runtime
 * rebuilds every frame or none (Documentation/runtime.rst).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "constraints.h"
#include "target.h"
#include "update.h"
#include "update_internal.h"
#include "upstare-ctl.h"

/* Where this run reports (stdout/stderr, or upstared's reply) and its hooks. */
static FILE *uout, *uerr;
static const struct update_hooks *hooks;
static int update_main(const struct update_req *r);

/* The partial update asked for (update_internal.h), or NULL. */
static struct partial *partial;
/* The patch, opened and checked: what the targets are passed (send_patch()). */
static int patch_fd = -1;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

#define FIELD(cbaddr, f) ((cbaddr) + offsetof(struct upstare_control, f))

/* Through its /proc/PID/mem, opened before anything is read (pin()). */
static int rw(const struct target *t, uint64_t addr, void *buf, size_t n, int write)
{
	return target_rw(t->memfd, addr, buf, n, write);
}

/* Keep what the target described at the check barrier, for --stacks. */
static void keep_stacks(struct target *t)
{
	free(t->stacks);
	t->stacks = strndup(t->c.stacks, sizeof(t->c.stacks));
}

/*
 * Open the patch, and refuse one anyone but root could have changed before
 * asking.  The descriptor is what the targets get (send_patch()): the file
 * checked is the file they load.
 */
static int open_patch(const char *path, char *why, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0 || fstat(fd, &st)) {
		snprintf(why, n, "patch %s: %s", path, strerror(errno));
		goto err;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(why, n, "patch %s: must be a regular file owned by root and writable "
			 "by no one else (owner %u, mode %04o)", path, st.st_uid,
			 st.st_mode & 07777);
		goto err;
	}
	return fd;
err:
	if (fd >= 0)
		close(fd);
	return -1;
}

/*
 * Pin the target: open its /proc/PID/mem before it is authorized, so that
 * what is authorized and then read and written is one process as it is
 * now (rw()).
 */
static int pin(struct target *t)
{
	t->memfd = target_open_mem(t->pid, O_RDWR);
	if (t->memfd < 0) {
		fprintf(uerr, "upstarectl update: pid %d: %s\n", t->pid, strerror(errno));
		return -1;
	}
	return 0;
}

#define LOCK_DIR "/run/upstare/targets"

/* The start time of pid (clock ticks after boot, /proc/PID/stat field 22). */
static unsigned long long start_time(pid_t pid)
{
	char buf[1024], *p = target_proc_stat(pid, buf, sizeof(buf));
	unsigned long long t = 0;

	if (p)
		sscanf(p, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d "
		       "%*d %*d %*d %llu", &t);
	return t;
}

/*
 * One controller per target: an exclusive flock() on a file named by the
 * target's pid and start time, held until this update is over (the kernel
 * drops it when the controller dies).  upstared and upstarectl --direct
 * both take it, so two of them never write requests into one control
 * block at once, and whoever holds it knows that a request left untaken
 * in the block is a dead controller's (withdraw_stale()).  Waits until
 * deadline; nonzero, with why, when another keeps it.
 */
static int lock_target(struct target *t, uint64_t deadline, char *why, size_t n)
{
	char path[128], holder[32] = "";
	unsigned long long st = start_time(t->pid);
	ssize_t len;

	if ((mkdir("/run/upstare", 0755) && errno != EEXIST) ||
	    (mkdir(LOCK_DIR, 0700) && errno != EEXIST)) {
		/* a user updating its own process --direct cannot lock: go on */
		if (geteuid() && (errno == EACCES || errno == EPERM))
			return 0;
		snprintf(why, n, "%s: %s", LOCK_DIR, strerror(errno));
		return -1;
	}
	snprintf(path, sizeof(path), LOCK_DIR "/%d-%llu", t->pid, st);
	t->lockfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (t->lockfd < 0) {
		if (geteuid() && (errno == EACCES || errno == EPERM))
			return 0;
		snprintf(why, n, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (flock(t->lockfd, LOCK_EX | LOCK_NB)) {
		if (errno != EWOULDBLOCK || now_ns() > deadline) {
			len = pread(t->lockfd, holder, sizeof(holder) - 1, 0);
			holder[len > 0 ? len : 0] = 0;
			holder[strcspn(holder, "\n")] = 0;
			snprintf(why, n, "pid %d: another controller%s%s%s is updating it", t->pid,
				 holder[0] ? " (pid " : "", holder, holder[0] ? ")" : "");
			return -1;
		}
		usleep(10000);
	}
	len = snprintf(holder, sizeof(holder), "%d\n", getpid());
	if (ftruncate(t->lockfd, 0) || pwrite(t->lockfd, holder, len, 0) != len)
		;	/* the holder's pid is only for messages */
	return 0;
}

/*
 * With the target locked, a request still untaken in its control block
 * (the target idle, request ahead of ack) was left by a controller that
 * died between writing it and its end: take it back, as at a deadline
 * (the runtime checks the request again once it claims one, so the
 * target either answers it, and is waited for, or never acts on it).
 */
static int withdraw_stale(struct target *t)
{
	uint32_t ack = t->c.ack;

	if (t->c.phase != UPSTARE_PH_IDLE || t->c.request == ack)
		return 0;
	if (rw(t, FIELD(t->sym.control, request), &ack, sizeof(ack), 1))
		return -1;
	fprintf(uerr, "upstarectl update: pid %d: took back request %u, left by a controller "
		"that is gone\n", t->pid, ack + 1);
	return rw(t, t->sym.control, &t->c, sizeof(t->c), 0);
}

/* Read the control block again: nonzero, with why, if it cannot be. */
static int reread(struct target *t, char *why, size_t n)
{
	int err = rw(t, t->sym.control, &t->c, sizeof(t->c), 0);

	if (err == -ESRCH)
		snprintf(why, n, "pid %d exited or ran exec() since it was checked: nothing was "
			 "written to it", t->pid);
	else if (err)
		snprintf(why, n, "pid %d: %s", t->pid, strerror(-err));
	return err;
}

/* Find and check a target's control block. */
static int locate(struct target *t)
{
	char why[PATH_MAX + 128];
	int err;

	if (target_locate(t->pid, &t->sym, why, sizeof(why))) {
		if (why[0])
			fprintf(uerr, "upstarectl update: %s\n", why);
		return -1;
	}
	err = target_read_control(t->memfd, t->sym.control, &t->c, sizeof(t->c));
	if (err == -ESRCH) {
		fprintf(uerr, "upstarectl update: pid %d: the process exited or ran exec() since "
			"it was checked: nothing written\n", t->pid);
		return -1;
	}
	if (err) {
		fprintf(uerr, "upstarectl update: pid %d: %s\n", t->pid,
			err == -EPROTO ? "control block of another runtime version" :
			strerror(-err));
		return -1;
	}
	return 0;
}

/* The last NSpid field of /proc/PID[/task/TID]/status (path), and how many there are. */
static int last_nspid(const char *path, pid_t *nspid)
{
	char line[256];
	int levels = 0;
	FILE *f = fopen(path, "re");

	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "NSpid:", 6)) {
			char *last = NULL;

			for (char *p = line + 6; (p = strchr(p, '\t')); last = p++)
				levels++;
			*nspid = last ? atoi(last + 1) : 0;
			break;
		}
	if (f)
		fclose(f);
	return levels;
}

/*
 * The kernel's tids (initial PID namespace) of process pid's threads, in
 * host[], and the same threads' tids in the process's own namespace, in
 * ns[]: the runtime registers threads with gettid(), and a process in a
 * PID namespace of its own (vsftpd's sessions: CLONE_NEWPID) has other ids
 * there.  Returns how many, or -1 when the process is in the initial
 * namespace (its tids are the kernel's).
 */
static int ns_tids(pid_t pid, pid_t *host, pid_t *ns, int max)
{
	char path[64];
	struct dirent *de;
	pid_t self;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	if (last_nspid(path, &self) <= 1)
		return -1;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	while (d && n < max && (de = readdir(d))) {
		pid_t tid = atoi(de->d_name);

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", pid, tid);
		if (last_nspid(path, &ns[n]) > 0)
			host[n++] = tid;
	}
	if (d)
		closedir(d);
	return n;
}

/*
 * Tell the target an update is pending: running threads see the flag at
 * their next update point; threads inside a wrapped blocking call get the
 * update signal.  Threads blocked elsewhere are left alone.
 */
static void kick(struct target *t)
{
	static struct upstare_thread_slot slots[UPSTARE_MAX_THREADS];
	static pid_t host[UPSTARE_MAX_THREADS], ns[UPSTARE_MAX_THREADS];
	int nns;
	uint32_t n = t->c.nslots < UPSTARE_MAX_THREADS ? t->c.nslots : UPSTARE_MAX_THREADS;
	int one = 1;

	rw(t, t->sym.pending, &one, sizeof(one), 1);
	if (hooks && hooks->window && !t->window) {
		/* threads that enter a wrapped blocking call from now on */
		hooks->window(hooks->arg, t->pid, t->sym.threads, 1);
		t->window = 1;
	}
	if (!n || rw(t, t->sym.threads, slots, n * sizeof(slots[0]), 0))
		return;
	nns = ns_tids(t->pid, host, ns, UPSTARE_MAX_THREADS);
	for (uint32_t i = 0; i < n; i++) {
		pid_t tid = nns < 0 ? slots[i].tid : 0;

		if (slots[i].tid <= 0 || !slots[i].blocking)
			continue;
		for (int k = 0; k < nns && !tid; k++)
			if (ns[k] == slots[i].tid)
				tid = host[k];
		if (tid)
			syscall(SYS_tgkill, t->pid, tid, t->c.update_signal);
	}
}

/*
 * A process's threads are held parked at most this long waiting for the
 * last ones (park_ms, upstare-ctl.h): then they are released and the update
 * is asked again PARK_RETRY_MS later, until the deadline.  In a process
 * tree, one process released so aborts the group: the others release their
 * parked threads (or roll back, if they were transformed already), and the
 * whole group is asked again.
 */
#define PARK_BUDGET_MS	50
#define PARK_RETRY_MS	50

static int ask(struct target *t, const char *patch, uint32_t timeout, uint32_t group,
	       uint32_t check)
{
	uint32_t zero = 0, park = PARK_BUDGET_MS;

	if (rw(t, FIELD(t->sym.control, patch), (void *)patch, strlen(patch) + 1, 1) ||
	    rw(t, FIELD(t->sym.control, timeout_ms), &timeout, sizeof(timeout), 1) ||
	    rw(t, FIELD(t->sym.control, group), &group, sizeof(group), 1) ||
	    rw(t, FIELD(t->sym.control, decision), &zero, sizeof(zero), 1) ||
	    rw(t, FIELD(t->sym.control, check), &check, sizeof(check), 1) ||
	    rw(t, FIELD(t->sym.control, park_ms), &park, sizeof(park), 1) ||
	    rw(t, FIELD(t->sym.control, verdict), &zero, sizeof(zero), 1))
		return -1;
	t->req = t->c.ack + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return rw(t, FIELD(t->sym.control, request), &t->req, sizeof(t->req), 1);
}

/*
 * Step 4 of the protocol (upstare-ctl.h): the target waits in prepare for
 * the patch on a socket pair of its own.  Take its end (pidfd_getfd()) and
 * send the descriptor opened and checked here, once per request: the
 * target needs no path to the patch (it may be chrooted, without /proc)
 * and gets nothing but this read-only descriptor of one file.  A
 * descriptor that is not (yet) the socket announced is looked at again at
 * the next poll: the block may have been read while the target wrote it.
 * If it cannot be sent, the target refuses at the deadline, and the reason
 * is printed here.
 */
static void send_patch(struct target *t)
{
	char ctl[CMSG_SPACE(sizeof(int))] __attribute__((aligned(sizeof(size_t)))) = { 0 };
	struct iovec iov = { &t->req, sizeof(t->req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
			     .msg_controllen = sizeof(ctl) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
	int pidfd, sock = -1, domain = 0, err = 0;
	socklen_t len = sizeof(domain);
	struct stat st;

	if (t->sent == t->req || t->c.request != t->req || t->c.phase != UPSTARE_PH_PREPARE ||
	    !t->c.patch_sock_ino)
		return;
	pidfd = pidfd_open(t->pid, 0);
	if (pidfd < 0 || (sock = pidfd_getfd(pidfd, t->c.patch_sock, 0)) < 0) {
		err = errno == EBADF ? 0 : errno;
	} else if (!fstat(sock, &st) && S_ISSOCK(st.st_mode) && st.st_ino == t->c.patch_sock_ino &&
		   !getsockopt(sock, SOL_SOCKET, SO_DOMAIN, &domain, &len) && domain == AF_UNIX) {
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &patch_fd, sizeof(int));
		/* no SIGPIPE if the target gave up meanwhile */
		err = sendmsg(sock, &mh, MSG_NOSIGNAL | MSG_DONTWAIT) == sizeof(t->req) ? 0 : errno;
		t->sent = t->req;
	}
	if (err) {
		fprintf(uerr, "upstarectl update: pid %d: cannot pass the patch: %s\n", t->pid,
			strerror(err));
		t->sent = t->req;
	}
	if (sock >= 0)
		close(sock);
	if (pidfd >= 0)
		close(pidfd);
}

static void decide(struct target *t, int n, uint32_t d)
{
	for (int i = 0; i < n; i++)
		if (!t[i].done && !t[i].decided) {
			rw(&t[i], FIELD(t[i].sym.control, decision), &d, sizeof(d), 1);
			t[i].decided = 1;
		}
}

static void verdict(struct target *t, uint32_t v)
{
	if (!t->done && !t->verdict_sent &&
	    !rw(t, FIELD(t->sym.control, verdict), &v, sizeof(v), 1))
		t->verdict_sent = 1;
}

/*
 * A partial update refused at the check barrier: the targets released
 * their threads in the old code (their own reason only says that they were
 * released); the controller's reasons say why.
 */
static void refused_at_barrier(struct target *t, int n, int json)
{
	for (int i = 0; i < n; i++)
		if (t[i].c.result == UPSTARE_RES_RELEASED)
			t[i].c.reasons[0] = 0;
	update_report(uout, json, "refused", t, n, partial->refusal);
}

/*
 * At the deadline, take back the request from each target that has not
 * taken it (no thread of it reached an update point): it is done, timed
 * out.  A target that takes a request sets its own deadline from then on,
 * so one taking it later could hold its threads parked long after the
 * update was given up (a listener frozen for 15 s with --timeout 5000).
 * The runtime checks the request again once it has claimed it (userlib/
 * transition.c), so a target either answers it or never acts on it.
 */
static int withdraw_untaken(struct target *t, int n)
{
	int nwithdrawn = 0;

	for (int i = 0; i < n; i++) {
		struct target *x = &t[i];
		uint32_t ack = x->req - 1;
		int zero = 0;

		if (x->done || x->c.phase != UPSTARE_PH_IDLE || x->c.ack != ack)
			continue;
		if (rw(x, FIELD(x->sym.control, request), &ack, sizeof(ack), 1) ||
		    rw(x, x->sym.pending, &zero, sizeof(zero), 1) ||
		    rw(x, x->sym.control, &x->c, sizeof(x->c), 0) ||
		    x->c.phase != UPSTARE_PH_IDLE || x->c.ack != ack)
			continue;	/* it took the request: it answers it */
		x->done = 1;
		x->c.result = UPSTARE_RES_TIMEOUT;
		snprintf(x->c.reasons, sizeof(x->c.reasons), "no thread reached an update point "
			 "before the deadline: the request was withdrawn");
		nwithdrawn++;
	}
	return nwithdrawn;
}

/* Attempts of the update so far (the park budget's retries), for reasons. */
static unsigned attempts;

/*
 * Wait for every target to finish the request: pass the check barrier of
 * a request made with check (--stacks: keep the stacks, go on once every
 * target is there), decide a group update (commit once all are ready,
 * abort if one failed), withdraw what nobody took at the deadline, and
 * report.  Returns the exit status.
 *
 * Poll the targets until each has answered, or the deadline.  With
 * may_retry, when what failed first was a process released by its park
 * budget (the others of a group then fail because the group was aborted),
 * returns 3 without a report: the caller asks again.  Else the result is
 * reported; "released" by the budget then reads as the timeout it is.
 */
static int finish(struct target *t, int n, unsigned timeout, int json, int may_retry)
{
	uint64_t deadline, last, take_by = now_ns() + timeout * 1000000ull;
	const char *res;
	int ndone = 0, withdrawn = 0, went = 0, first_failure = 0, budget_only = 0;

	/* the targets enforce the deadline; give them time to roll back */
	deadline = take_by + 10000 * 1000000ull;
	for (last = now_ns(); ndone < n; usleep(500)) {
		int ready = 0, failed = 0, checking = 0, prepared = 0;

		for (int i = 0; i < n; i++) {
			struct target *x = &t[i];

			if (x->done)
				continue;
			/*
			 * The fixed fields every poll (a 64-process tree: 64 whole
			 * blocks of 41 KB every 500 us made the polling the slowest
			 * part of its pause); the reasons and stacks once there are
			 * some to read.
			 */
			if (rw(x, x->sym.control, &x->c, offsetof(struct upstare_control, patch), 0) ||
			    ((x->c.ack == x->req || x->c.phase == UPSTARE_PH_CHECK) &&
			     rw(x, x->sym.control, &x->c, sizeof(x->c), 0))) {
				fprintf(uerr, "upstarectl update: pid %d exited during the update\n",
					x->pid);
				x->done = 1;
				x->c.result = UPSTARE_RES_NONE;
				ndone++;
				continue;
			}
			send_patch(x);
			if (x->c.ack == x->req) {
				x->done = 1;
				ndone++;
			} else if (x->c.phase == UPSTARE_PH_READY) {
				ready++;
			} else if (x->c.phase == UPSTARE_PH_PREPARED && x->c.request == x->req) {
				prepared++;
			} else if (x->c.phase == UPSTARE_PH_CHECK && x->c.request == x->req &&
				   !x->verdict_sent) {
				checking++;
			}
			if (x->c.phase == UPSTARE_PH_IDLE && !x->done &&
			    now_ns() - last > 10000000ull)
				/* nobody picked it up yet: a thread may have missed the kick */
				kick(x);
		}
		if (now_ns() - last > 10000000ull)
			last = now_ns();
		if (!withdrawn && now_ns() > take_by) {
			withdrawn = 1;
			ndone += withdraw_untaken(t, n);
		}
		for (int i = 0; i < n; i++)
			failed |= t[i].done && t[i].c.result != UPSTARE_RES_APPLIED;
		if (failed && !first_failure) {
			/* the cause: only the park budget, or something to report */
			first_failure = 1;
			budget_only = 1;
			for (int i = 0; i < n; i++)
				if (t[i].done && t[i].c.result != UPSTARE_RES_APPLIED &&
				    !(t[i].c.park_ms && t[i].c.result == UPSTARE_RES_RELEASED))
					budget_only = 0;
		}
		if (failed) {
			for (int i = 0; i < n; i++)
				verdict(&t[i], UPSTARE_VERDICT_RELEASE);
		} else if (checking && checking == n - ndone) {
			/* every thread of every process parked: the check barrier */
			uint32_t v = UPSTARE_VERDICT_GO;

			for (int i = 0; i < n; i++)
				keep_stacks(&t[i]);
			if (partial && partial_verdict(partial, t, n, hooks))
				v = UPSTARE_VERDICT_RELEASE;
			for (int i = 0; i < n; i++)
				verdict(&t[i], v);
		}
		if (n > 1 && failed) {
			decide(t, n, UPSTARE_DECIDE_ABORT);
		} else if (n > 1 && prepared == n && !went) {
			/* every process has the patch loaded: now they may park */
			uint32_t go = UPSTARE_DECIDE_GO;

			for (int i = 0; i < n; i++)
				rw(&t[i], FIELD(t[i].sym.control, decision), &go, sizeof(go), 1);
			went = 1;
		} else if (n > 1 && ready == n) {
			decide(t, n, UPSTARE_DECIDE_COMMIT);
		}
		if (now_ns() > deadline) {
			for (int i = 0; i < n; i++)
				if (!t[i].done && t[i].c.phase == UPSTARE_PH_IDLE) {
					uint32_t ack = t[i].c.ack;
					int zero = 0;

					/* withdraw the request nobody took */
					rw(&t[i], FIELD(t[i].sym.control, request), &ack, sizeof(ack), 1);
					rw(&t[i], t[i].sym.pending, &zero, sizeof(zero), 1);
				}
			decide(t, n, UPSTARE_DECIDE_ABORT);
			update_report(uout, json, "timeout", t, n,
			       "not every process answered the request in time");
			return 1;
		}
	}
	for (int i = 0; i < n; i++)
		t[i].c.reasons[sizeof(t[i].c.reasons) - 1] = 0;
	if (partial && partial->refusal) {
		refused_at_barrier(t, n, json);
		return 1;
	}
	if (may_retry && budget_only)
		return 3;
	for (int i = 0; i < n; i++) {
		char r[sizeof(t[i].c.reasons)];

		if (!t[i].c.park_ms || !(t[i].c.result == UPSTARE_RES_RELEASED ||
		    (t[i].c.result == UPSTARE_RES_TIMEOUT && attempts > 1)))
			continue;
		/* the deadline came before a moment when every thread parked */
		t[i].c.result = UPSTARE_RES_TIMEOUT;
		snprintf(r, sizeof(r), "no moment before the deadline when every thread %sparked "
			 "within %u ms (%u attempt%s); the last: %s", n > 1 ?
			 "of every process " : "", t[i].c.park_ms, attempts,
			 attempts == 1 ? "" : "s", t[i].c.reasons);
		memcpy(t[i].c.reasons, r, sizeof(r));
	}
	res = update_group_result(t, n);
	update_report(uout, json, res, t, n, NULL);
	return strcmp(res, "applied") ? 1 : 0;
}

/* ------------------------------------------------------------ constraints */

/*
 * An update under a constraint file: each attempt asks the target to stop
 * in UPSTARE_PH_CHECK with every thread parked, evaluates the constraints
 * on the stacks it describes, and either lets the update go on or releases
 * the threads (rebuilt in the old code), then tries again after the retry
 * delay, until the file's deadline (cons_wait()).
 */
struct checked {
	struct target *t;		/* the process, or the tree's processes */
	int n;
	const char *patch;
	struct cons_file *cf;		/* grows with the automatic constraints */
	uint64_t deadline_ns;
	int fatal;			/* a target refused: no point retrying */
	int stacks;			/* --stacks: keep each attempt's stacks */
	struct stacks st;		/* the stacks of the current attempt */
	unsigned attempts;
};

static bool is_idle(const struct target *t)
{
	return t->c.phase == UPSTARE_PH_IDLE && t->c.request == t->c.ack;
}

static bool is_done(const struct target *t)
{
	return t->c.ack == t->req;
}

static bool is_prepared_or_done(const struct target *t)
{
	return is_done(t) || (t->c.phase == UPSTARE_PH_PREPARED && t->c.request == t->req);
}

static bool is_checking_or_done(const struct target *t)
{
	return is_done(t) || (t->c.phase == UPSTARE_PH_CHECK && t->c.request == t->req);
}

/* Poll T's control block until COND holds (or the process or time is gone). */
static int poll_until(struct checked *k, struct target *t, bool (*cond)(const struct target *))
{
	for (uint64_t last = now_ns();; usleep(500)) {
		if (rw(t, t->sym.control, &t->c, sizeof(t->c), 0))
			return -ESRCH;
		send_patch(t);
		if (cond(t))
			return 0;
		if (now_ns() > k->deadline_ns + 10000000000ull)
			return -ETIMEDOUT;
		if (t->c.phase == UPSTARE_PH_IDLE && t->c.request != t->c.ack &&
		    now_ns() - last > 10000000ull) {
			/* nobody picked it up yet: a thread may have missed the kick */
			kick(t);
			last = now_ns();
		}
	}
}

static int poll_all(struct checked *k, bool (*cond)(const struct target *))
{
	int err = 0;

	for (int i = 0; i < k->n && !err; i++)
		err = poll_until(k, &k->t[i], cond);
	return err;
}

/* Tell every target waiting in the check phase; with RELEASE, wait for them. */
static int verdict_all(struct checked *k, uint32_t v)
{
	for (int i = 0; i < k->n; i++) {
		if (is_done(&k->t[i]))
			continue;
		k->t[i].verdict_sent = 0;
		verdict(&k->t[i], v);
		if (!k->t[i].verdict_sent)
			return -ESRCH;
	}
	return v == UPSTARE_VERDICT_RELEASE ? poll_all(k, is_done) : 0;
}

static int checked_snapshot(void *arg, struct cons_snapshot *snap)
{
	struct checked *k = arg;
	uint64_t now;
	uint32_t timeout;
	int err;

	err = poll_all(k, is_idle);
	if (err)
		return err;
	now = now_ns();
	timeout = now < k->deadline_ns ? (k->deadline_ns - now) / 1000000 : 0;
	for (int i = 0; i < k->n; i++)
		if (ask(&k->t[i], k->patch, timeout ? timeout : 1, k->n > 1, 1))
			return -EIO;
	for (int i = 0; i < k->n; i++)
		kick(&k->t[i]);
	k->attempts++;
	if (k->n > 1) {
		/* a group: every process loads the patch before any parks */
		int refused = 0;

		err = poll_all(k, is_prepared_or_done);
		if (err)
			return err;
		for (int i = 0; i < k->n; i++)
			refused |= is_done(&k->t[i]);
		if (refused) {
			decide(k->t, k->n, UPSTARE_DECIDE_ABORT);
		} else {
			uint32_t go = UPSTARE_DECIDE_GO;

			for (int i = 0; i < k->n; i++)
				rw(&k->t[i], FIELD(k->t[i].sym.control, decision), &go, sizeof(go), 1);
		}
	}
	err = poll_all(k, is_checking_or_done);
	if (err)
		return err;
	for (int i = 0; i < k->n; i++) {
		if (!is_done(&k->t[i]))
			continue;
		/*
		 * Over without a check: not every thread parked in time, or
		 * refused.  Let the others go too.
		 */
		err = verdict_all(k, UPSTARE_VERDICT_RELEASE);
		if (err)
			return err;
		for (int j = 0; j < k->n; j++)
			if (k->t[j].c.result != UPSTARE_RES_TIMEOUT &&
			    k->t[j].c.result != UPSTARE_RES_RELEASED)
				k->fatal = 1;
		return k->fatal ? -EPERM : -EAGAIN;
	}
	for (int i = 0; k->stacks && i < k->n; i++)
		keep_stacks(&k->t[i]);
	if (partial && partial_verdict(partial, k->t, k->n, hooks)) {
		/* refused, not retried: the scope is the user's, not the moment's */
		verdict_all(k, UPSTARE_VERDICT_RELEASE);
		k->fatal = 1;
		return -EPERM;
	}
	err = stacks_parse(&k->st, k->t, k->n, k->cf, snap);
	if (err) {
		/* the targets wait for a verdict: let their threads go first */
		verdict_all(k, UPSTARE_VERDICT_RELEASE);
		stacks_free(&k->st);
		k->fatal = 1;
	}
	return err;
}

static void checked_release(void *arg, struct cons_snapshot *snap)
{
	struct checked *k = arg;

	verdict_all(k, UPSTARE_VERDICT_RELEASE);
	stacks_free(&k->st);
}

static uint64_t checked_now(void *arg)
{
	return now_ns() / 1000;
}

static void checked_sleep(void *arg, uint64_t us)
{
	usleep(us);
}

static int update_checked(struct target *t, int n, const char *patch, struct cons_file *cf,
			  int json, int explain, int stacks)
{
	struct checked k = { .t = t, .n = n, .patch = patch, .cf = cf, .stacks = stacks };
	struct cons_driver drv = {
		.arg = &k, .snapshot = checked_snapshot, .release = checked_release,
		.now_us = checked_now, .sleep_us = checked_sleep,
	};
	struct cons_snapshot snap;
	struct cons_result res;
	uint64_t start = now_ns(), now;
	char *reasons = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	k.deadline_ns = start + cf->timeout_us * 1000;
	ret = cons_wait(cf, &drv, start / 1000, &snap, &res, NULL);
	if (explain)
		cons_explain(cf, json ? uerr : uout);
	if (ret == 1) {
		/* they hold: go on, and finish as any update (a group commits together) */
		stacks_free(&k.st);
		if (verdict_all(&k, UPSTARE_VERDICT_GO)) {
			fprintf(uerr, "upstarectl update: a process exited during the update\n");
			return 1;
		}
		now = now_ns();
		return finish(t, n, now < k.deadline_ns ? (k.deadline_ns - now) / 1000000 : 0,
			      json, 0);
	}
	stacks_free(&k.st);
	if (ret < 0 && !k.fatal) {
		fprintf(uerr, "upstarectl update: %s\n", strerror(-ret));
		return 1;
	}
	for (int i = 0; i < n; i++)
		t[i].c.reasons[sizeof(t[i].c.reasons) - 1] = 0;
	if (ret < 0 && partial && partial->refusal) {
		refused_at_barrier(t, n, json);
		return 1;
	}
	if (ret < 0) {
		update_report(uout, json, update_group_result(t, n), t, n, NULL);
		return 1;
	}
	/* the deadline: the reasons of the last check, or why no check was made */
	f = open_memstream(&reasons, &len);
	if (f) {
		fprintf(f, "the constraints did not hold before the deadline (%u attempt%s)",
			k.attempts, k.attempts == 1 ? "" : "s");
		for (size_t i = 0; i < res.n; i++)
			fprintf(f, "\n%s", res.v[i].reason);
		for (int i = 0; !res.n && i < n; i++)
			if (t[i].c.reasons[0])
				fprintf(f, "\npid %d: %s", t[i].pid, t[i].c.reasons);
		fclose(f);
	}
	cons_result_free(&res);
	update_report(uout, json, "abandoned", NULL, 0, reasons);
	free(reasons);
	return 1;
}

/*
 * Every target's threads ready by upstared's rules before anything is
 * asked (the hook's), or the update ends here as a timeout with the
 * threads that were not and why.  0 to go on.
 */
static int gate(struct target *t, int n, uint64_t deadline_ns, int json)
{
	char *why = NULL;
	size_t len = 0;
	pid_t *pids;
	FILE *f;
	int err;

	if (!hooks || !hooks->gate)
		return 0;
	pids = calloc(n, sizeof(*pids));
	f = open_memstream(&why, &len);
	if (!pids || !f) {
		free(pids);
		if (f)
			fclose(f);
		free(why);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++)
		pids[i] = t[i].pid;
	err = hooks->gate(hooks->arg, pids, n, deadline_ns, f);
	fclose(f);
	if (err)
		update_report(uout, json, "timeout", NULL, 0, why);
	free(why);
	free(pids);
	return err;
}

/*
 * Parse the constraints file (if any), resolve the patch's path into patch
 * (PATH_MAX) and open it (patch_fd), with the client's rights.  0, 1 with
 * the refusal in why, or 2: a usage error already printed.
 */
static int open_args(const char *cons_arg, const char *patch_arg, struct cons_file **cf,
		     char *patch, char *why, size_t n)
{
	int ret = 0;

	if (client_rights(hooks, 1)) {
		snprintf(why, n, "cannot take the client's rights to open its files: %s",
			 strerror(errno));
		return 1;
	}
	if (cons_arg) {
		/* an invalid file starts nothing */
		struct cons_diags d = { 0 };

		*cf = cons_parse_file(cons_arg, &d);
		cons_diags_print(&d, uerr);
		cons_diags_free(&d);
		if (!*cf) {
			ret = 2;
			goto out;
		}
	}
	if (!realpath(patch_arg, patch)) {
		snprintf(why, n, "patch %s: %s", patch_arg, strerror(errno));
		ret = 1;
		goto out;
	}
	patch_fd = open_patch(patch, why, n);
	if (patch_fd < 0)
		ret = 1;
out:
	if (client_rights(hooks, 0) && !ret) {
		snprintf(why, n, "cannot give up the client's rights: %s", strerror(errno));
		ret = 1;
	}
	return ret;
}

int update_exec(const struct update_req *r, FILE *out, FILE *err, const struct update_hooks *h)
{
	int ret;

	uout = out;
	uerr = err;
	hooks = h;
	ret = update_main(r);
	fflush(out);
	fflush(err);
	hooks = NULL;
	return ret;
}

int update_check(const struct update_req *r, FILE *err)
{
	if (r->pid <= 0 || !r->patch || !r->patch[0] || (r->explain && !r->constraints) ||
	    !r->timeout_ms || r->timeout_ms > UPDATE_TIMEOUT_MAX_MS) {
		fprintf(err, "upstarectl update: --pid PID and --patch FILE are required "
			"(and --constraints FILE with --explain; --timeout from 1 to %u)\n",
			UPDATE_TIMEOUT_MAX_MS);
		return -1;
	}
	return 0;
}

void update_req_free(struct update_req *r)
{
	free(r->threads);
	r->threads = NULL;
	r->nthreads = 0;
}

static int update_main(const struct update_req *r)
{
	char patch[PATH_MAX], why[PATH_MAX + 256];
	const char *patch_arg = r->patch, *cons_arg = r->constraints;
	struct cons_file *cf = NULL;
	int explain = r->explain, stacks = r->stacks;
	struct partial part = { 0 };
	struct target *t = NULL;
	unsigned timeout = r->timeout_ms;
	int json = r->json, tree = r->tree, n, ret = 1;
	uint64_t deadline;
	pid_t pid = r->pid, *pids = NULL;

	if (r->nthreads) {
		part.names = malloc(r->nthreads * sizeof(*part.names));
		if (!part.names)
			return 1;
		memcpy(part.names, r->threads, r->nthreads * sizeof(*part.names));
		part.nnames = r->nthreads;
	}
	part.depth = r->depth;
	switch (open_args(cons_arg, patch_arg, &cf, patch, why, sizeof(why))) {
	case 2:
		goto usage_err;
	case 1:
		update_report(uout, json, "refused", NULL, 0, why);
		goto out;
	}
	if (part.names || part.depth) {
		part.patch = patch;
		partial = &part;
	}
	n = target_tree(pid, tree, &pids, NULL);
	t = calloc(n, sizeof(*t));
	for (int i = 0; t && i < n; i++)
		t[i].memfd = t[i].lockfd = -1;
	for (int i = 0; i < n; i++) {
		t[i].pid = pids[i];
		if (pin(&t[i]))
			goto out;
	}
	for (int i = 0; i < n; i++)
		if (hooks && hooks->authorize &&
		    hooks->authorize(hooks->arg, pids[i], why, sizeof(why))) {
			update_report(uout, json, "refused", NULL, 0, why);
			goto out;
		}
	for (int i = 0; i < n; i++)
		if (locate(&t[i]))
			goto out;
	deadline = now_ns() + (cf ? cf->timeout_us * 1000 : timeout * 1000000ull);
	for (int i = 0; i < n; i++)
		if (lock_target(&t[i], deadline, why, sizeof(why))) {
			update_report(uout, json, "timeout", NULL, 0, why);
			goto out;
		}
	if (gate(t, n, now_ns() + (cf ? cf->timeout_us * 1000 : timeout * 1000000ull), json))
		goto out;
	/* the gate may have waited: each target must still be the process checked */
	for (int i = 0; i < n; i++) {
		if (reread(&t[i], why, sizeof(why))) {
			update_report(uout, json, "refused", NULL, 0, why);
			goto out;
		}
		if (withdraw_stale(&t[i]))
			goto out;
	}
	if (cf) {
		ret = update_checked(t, n, patch, cf, json, explain, stacks);
		goto out;
	}
	/* one update at a time per process */
	deadline = now_ns() + timeout * 1000000ull;
	for (int i = 0; i < n; i++)
		while (t[i].c.phase != UPSTARE_PH_IDLE || t[i].c.request != t[i].c.ack) {
			if (now_ns() > deadline) {
				snprintf(why, sizeof(why), "pid %d: another update is in progress",
					 t[i].pid);
				update_report(uout, json, "timeout", NULL, 0, why);
				goto out;
			}
			usleep(1000);
			if (rw(&t[i], t[i].sym.control, &t[i].c, sizeof(t[i].c), 0))
				goto out;
		}
	attempts = 0;
	for (;;) {
		uint64_t now = now_ns();
		unsigned left = now < deadline ? (deadline - now) / 1000000 : 0;

		attempts++;
		for (int i = 0; i < n; i++)
			if (ask(&t[i], patch, left ? left : 1, n > 1, stacks || partial)) {
				fprintf(uerr, "upstarectl update: pid %d: cannot write the "
					"request\n", t[i].pid);
				decide(t, i, UPSTARE_DECIDE_ABORT);
				goto out;
			}
		for (int i = 0; i < n; i++)
			kick(&t[i]);
		ret = finish(t, n, left, json, left > PARK_RETRY_MS + PARK_BUDGET_MS);
		if (ret != 3)
			break;
		/* released by the park budget: let the threads run, then again */
		usleep(PARK_RETRY_MS * 1000);
		for (int i = 0; i < n; i++) {
			t[i].done = t[i].decided = t[i].verdict_sent = 0;
			if (reread(&t[i], why, sizeof(why))) {
				update_report(uout, json, "refused", NULL, 0, why);
				goto out;
			}
		}
		/*
		 * Too little time left for another attempt to park every thread:
		 * the answer is the last attempt's, whose reasons name the threads
		 * that did not park (one asked now would only be withdrawn).
		 */
		now = now_ns();
		if (now + 2 * PARK_BUDGET_MS * 1000000ull >= deadline) {
			for (int i = 0; i < n; i++)
				t[i].req = t[i].c.ack;	/* answered already */
			ret = finish(t, n, 0, json, 0);
			break;
		}
	}
out:
	if (patch_fd >= 0)
		close(patch_fd);
	patch_fd = -1;
	cons_free(cf);
	for (int i = 0; t && i < n; i++) {
		if (t[i].window && hooks->window)
			hooks->window(hooks->arg, t[i].pid, 0, 0);
		free(t[i].stacks);
		if (t[i].memfd >= 0)
			close(t[i].memfd);
		if (t[i].lockfd >= 0)
			close(t[i].lockfd);	/* and the lock with it */
	}
	free(t);
	free(pids);
	free(part.names);
	free(part.refusal);
	partial = NULL;
	return ret;
usage_err:
	free(part.names);
	cons_free(cf);
	return 2;
}

