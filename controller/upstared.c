// SPDX-License-Identifier: GPL-2.0
/*
 * upstared: the UpStare controller daemon (root).
 *
 * Loads and attaches the BPF programs, keeps the registry of target
 * processes (by hand with `upstarectl attach`, and any process that execs a
 * binary with a .upstare section), and answers JSON-lines requests on a
 * UNIX socket that only root or one configured group may open.  One
 * thread, one epoll loop: the socket, the BPF ring buffer and a signalfd.
 * SIGTERM and SIGINT detach everything and exit 0.
 *
 * "update" runs upstarectl update's driver (controller/update.c) here,
 * with two additions: the protocol starts only once the readiness rules
 * say every thread of every target is ready (retried until the deadline,
 * then refused with each thread that was not, and why), and the update
 * window's BPF programs kick the threads that enter one of libupstare's
 * wrapped blocking calls while it is open (gated on the runtime's
 * upstare_threads[] table: no other thread is signalled).  Each update
 * runs in a worker process forked for it, which answers its client and
 * exits: the loop goes on serving the other clients meanwhile, and a
 * SIGTERM is acted on at once (the workers finish their updates).  Killed
 * meanwhile, the daemon leaves the workers to finish, and a worker killed
 * leaves the target to time out by itself and go on in the old code.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "bpfobs.h"
#include "client.h"
#include "json.h"
#include "readiness.h"
#include "target.h"
#include "update.h"
#include "upmeta.h"
#include "upstare-ctl.h"

/*
 * Clients: at most MAX_CLIENTS connections, of which a peer that is not
 * root holds at most PEER_CLIENTS, and ROOT_CLIENTS are kept for root.  A
 * client that sends nothing for IDLE_S seconds is closed; replies are
 * written without blocking, a client's requests wait while its replies do,
 * and one that reads none of them for STUCK_S seconds is closed: no client
 * can keep another from being served.
 */
#define MAX_CLIENTS	256
#define ROOT_CLIENTS	16
#define PEER_CLIENTS	16
#define IDLE_S		60
#define STUCK_S		5
#define MAX_OUT		(16 << 20)
#define MAX_WORKERS	32	/* updates at once */
#define PEER_WORKERS	8	/* of them, a peer that is not root's; 8 kept for root */
#define MAX_LINE	65536

struct client {
	int fd;
	char *buf;
	size_t len;
	char *out;		/* replies not yet taken by the client */
	size_t out_len, out_off;
	long long active_ns;	/* the last byte received, or sent */
	struct ucred cred;	/* SO_PEERCRED at accept */
	gid_t *groups;		/* SO_PEERGROUPS at accept */
	int ngroups;
};

static struct {
	struct obs *obs;
	const char *sock_path;
	gid_t gid;
	bool have_group;
	int kick_sig;
	unsigned uid_procs;	/* --max-procs-per-uid */
	bool verbose;
	int epfd, lfd, sfd;
	struct { pid_t pid; uid_t uid; } workers[MAX_WORKERS];	/* pid 0: free */
	sigset_t sigs;			/* the ones the signalfd takes */
	struct client clients[MAX_CLIENTS];
	const struct client *peer;	/* whose request is being handled */
	gid_t *groups;			/* the daemon's own supplementary groups */
	int ngroups;
} d = { .kick_sig = UPSTARE_DEFAULT_KICK_SIGNAL };

static void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logmsg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("upstared: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static int libbpf_log(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !d.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void proc_comm(__u32 pid, char *buf, size_t len)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/comm", pid);
	buf[0] = 0;
	f = fopen(path, "re");
	if (!f)
		return;
	if (fgets(buf, len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
}

/* The process a task id belongs to, or -1. */
static long proc_tgid(__u32 pid)
{
	char path[64], line[256];
	long tgid = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Tgid: %ld", &tgid) == 1)
			break;
	fclose(f);
	return tgid;
}

static bool proc_instrumented(__u32 pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	return upmeta_present(path);
}

static int register_proc(__u32 pid, __u32 parent, int kick_sig);
static void register_descendants(__u32 root, int kick_sig);

/* Why obs_register() failed, in words. */
static const char *reg_strerror(int err)
{
	static char buf[128];

	if (err == -EDQUOT)
		snprintf(buf, sizeof(buf), "its user has the most processes registered that "
			 "one user may have (%u, --max-procs-per-uid)", obs_uid_procs(d.obs));
	else if (err == -ENOSPC)
		snprintf(buf, sizeof(buf), "the registry's entries left are kept for root's "
			 "processes (%d of %d)", US_ROOT_RESERVE, US_MAX_PROCS);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

static void on_event(void *ctx, const struct us_event *e)
{
	bool inst;
	int err;

	switch (e->type) {
	case US_EV_FORK:
		if (e->registered)
			logmsg("pid %u (%.16s): forked from registered pid %u, registered",
			       e->pid, e->comm, e->ppid);
		else
			logmsg("pid %u (%.16s): forked from registered pid %u, not registered: "
			       "%s", e->pid, e->comm, e->ppid, reg_strerror(-EDQUOT));
		break;
	case US_EV_EXIT:
		obs_process_gone(d.obs, e->pid);
		logmsg("pid %u (%.16s): exited, unregistered", e->pid, e->comm);
		break;
	case US_EV_EXEC:
		inst = proc_instrumented(e->pid);
		if (inst && !e->registered) {
			err = register_proc(e->pid, 0, d.kick_sig);
			if (err && err != -EEXIST) {
				logmsg("pid %u (%.16s): exec'd an instrumented binary but "
				       "cannot register: %s", e->pid, e->comm, reg_strerror(err));
				break;
			}
			logmsg("pid %u (%.16s): exec'd an instrumented binary, registered",
			       e->pid, e->comm);
			register_descendants(e->pid, d.kick_sig);
		} else if (!inst && e->registered) {
			obs_unregister(d.obs, e->pid);
			logmsg("pid %u (%.16s): exec'd a binary without .upstare, unregistered",
			       e->pid, e->comm);
		}
		break;
	}
}

/* ---------------------------------------------------------------- requests */

/* A handler that fails says why here; the reply then carries only the error. */
static char req_err[512];
static bool req_failed;

static void reply_error(struct jbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void reply_error(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req_err, sizeof(req_err), fmt, ap);
	va_end(ap);
	req_failed = true;
}

/*
 * The real, effective and saved ids of the "Uid:" and "Gid:" lines of
 * pid's status, and the owner of that file: the process's euid, or root
 * when it is not dumpable.
 */
static int proc_ids(__u32 pid, unsigned long uid[3], unsigned long gid[3], uid_t *owner)
{
	char path[64], line[256];
	struct stat st;
	int found = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%u/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st)) {
		fclose(f);
		return -errno;
	}
	*owner = st.st_uid;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "Uid: %lu %lu %lu", &uid[0], &uid[1], &uid[2]) == 3 ||
		    sscanf(line, "Gid: %lu %lu %lu", &gid[0], &gid[1], &gid[2]) == 3)
			found++;
	fclose(f);
	return found == 2 ? 0 : -ESRCH;
}

/* Register pid (forked from parent, or 0), counted against its real uid. */
static int register_proc(__u32 pid, __u32 parent, int kick_sig)
{
	unsigned long uid[3], gid[3];
	uid_t owner;
	int err = proc_ids(pid, uid, gid, &owner);

	return err ? err : obs_register(d.obs, pid, parent, kick_sig, uid[0]);
}

/*
 * Register the instrumented descendants of root, registered on exec, that
 * it forked before its exec event reached us.  The kernel registers a
 * child at fork only when its parent is registered then, and the exec
 * event is read after the program has started: a server that forks its
 * workers at once would keep them out of the registry (and of the update
 * window's kicks) for good.  Each pass reads the tree from /proc; a
 * process registered in one has its later children registered by the
 * kernel, so the passes end when one registers nothing new.
 */
static void register_descendants(__u32 root, int kick_sig)
{
	for (int pass = 0; pass < 8; pass++) {
		pid_t *pids, *parents;
		int n = target_tree(root, true, &pids, &parents), added = 0;

		for (int i = 1; i < n; i++) {
			struct us_proc p;
			int err;

			if (!obs_lookup(d.obs, pids[i], &p) || !proc_instrumented(pids[i]))
				continue;
			err = register_proc(pids[i], parents[i], kick_sig);
			if (!err) {
				added++;
				logmsg("pid %d: forked from pid %d before it was registered, "
				       "registered", pids[i], parents[i]);
			} else if (err != -EEXIST) {
				logmsg("pid %d: forked from pid %d before it was registered, "
				       "not registered: %s", pids[i], parents[i], reg_strerror(err));
			}
		}
		free(pids);
		free(parents);
		if (!added)
			break;
	}
}

/*
 * May the peer act on process pid?  Root on any; anyone else only on a
 * process whose real, effective and saved uids and gids are all the
 * peer's (as ptrace's PTRACE_MODE_ATTACH_REALCREDS), and which is
 * dumpable: the kernel gives the files of /proc/PID (not the directory)
 * to root instead of the process's euid when it is not (a setuid program,
 * one that changed its credentials, PR_SET_DUMPABLE 0), which is the one
 * view of the dumpable flag user space has.  0, or -EPERM / -ESRCH with
 * the reason in why.
 */
static int peer_may_act(__u32 pid, char *why, size_t n)
{
	const struct ucred *cr = &d.peer->cred;
	unsigned long uid[3], gid[3];
	uid_t owner;
	int i, err;

	if (cr->uid == 0)
		return 0;
	err = proc_ids(pid, uid, gid, &owner);
	if (err) {
		snprintf(why, n, "pid %u: no such process", pid);
		return -ESRCH;
	}
	for (i = 0; i < 3; i++)
		if (uid[i] != cr->uid) {
			snprintf(why, n, "pid %u: not yours (uid %lu)", pid, uid[i]);
			return -EPERM;
		}
	for (i = 0; i < 3; i++)
		if (gid[i] != cr->gid) {
			snprintf(why, n, "pid %u: not yours (gid %lu)", pid, gid[i]);
			return -EPERM;
		}
	if (owner != cr->uid) {
		snprintf(why, n, "pid %u: not dumpable (setuid, or it changed its credentials): "
			 "only root may act on it", pid);
		return -EPERM;
	}
	return 0;
}

/* peer_may_act() for a request; false with the error set. */
static bool authorized(struct jbuf *b, __u32 pid)
{
	char why[256];

	if (!peer_may_act(pid, why, sizeof(why)))
		return true;
	logmsg("refused a request of uid %u: %s", d.peer->cred.uid, why);
	reply_error(b, "%s", why);
	return false;
}

static bool get_pid(struct jbuf *b, const struct json *req, __u32 *pid)
{
	long long v = json_int(req, "pid", -1);

	if (v <= 0 || v > INT_MAX) {
		reply_error(b, "request needs a positive integer \"pid\"");
		return false;
	}
	*pid = v;
	return true;
}

static bool get_registered(struct jbuf *b, const struct json *req, __u32 *pid,
			   struct us_proc *p)
{
	if (!get_pid(b, req, pid) || !authorized(b, *pid))
		return false;
	if (obs_lookup(d.obs, *pid, p)) {
		reply_error(b, "pid %u is not registered (upstarectl attach --pid %u)",
			    *pid, *pid);
		return false;
	}
	return true;
}

/* "update": the runtime's update phase and parked threads, or null. */
static void add_update_state(struct jbuf *b, __u32 pid)
{
	struct update_state st;

	if (readiness_update_state(pid, &st)) {
		jb_knull(b, "update");
		return;
	}
	jb_key(b, "update");
	jb_open(b, '{');
	jb_kstr(b, "phase", update_phase_name(st.phase));
	jb_kint(b, "generation", st.generation);
	jb_kint(b, "nthreads", st.nthreads);
	jb_kint(b, "nparked", st.nparked);
	jb_kint(b, "nresumed", st.nresumed);
	jb_kint(b, "update_signal", st.update_signal);
	jb_close(b, '}');
}

static void cmd_ps(struct jbuf *b)
{
	__u32 pids[US_MAX_PROCS];
	int n = obs_list(d.obs, pids, US_MAX_PROCS), i;

	jb_kint(b, "window_attached", obs_window_attached(d.obs));
	jb_key(b, "procs");
	jb_open(b, '[');
	for (i = 0; i < n; i++) {
		struct us_proc p;
		char comm[32];

		if (obs_lookup(d.obs, pids[i], &p))
			continue;
		proc_comm(pids[i], comm, sizeof(comm));
		jb_elem(b);
		jb_open(b, '{');
		jb_kint(b, "pid", pids[i]);
		jb_kstr(b, "comm", comm);
		jb_kint(b, "parent", p.parent);
		jb_kint(b, "uid", p.uid);
		jb_kbool(b, "instrumented", proc_instrumented(pids[i]));
		jb_kint(b, "kick_gen", p.kick_gen);
		jb_kint(b, "kick_signal", p.kick_sig);
		jb_kint(b, "kicks", p.kicks);
		add_update_state(b, pids[i]);
		jb_close(b, '}');
	}
	jb_close(b, ']');
}

/*
 * The signal the update window sends: a real-time signal (no default
 * action but to end a process that has no handler, which an instrumented
 * one has), never one that stops, kills or dumps on purpose.
 */
static bool kick_signal_ok(long sig)
{
	return sig == d.kick_sig || (sig >= SIGRTMIN && sig <= SIGRTMAX);
}

static void cmd_attach(struct jbuf *b, const struct json *req)
{
	long tgid;
	__u32 pid;
	long long sig = json_int(req, "signal", d.kick_sig);
	int err;

	if (!get_pid(b, req, &pid))
		return;
	tgid = proc_tgid(pid);
	if (tgid < 0) {
		reply_error(b, "pid %u: no such process", pid);
		return;
	}
	if ((__u32)tgid != pid) {
		reply_error(b, "pid %u is a thread of process %ld: attach the process", pid, tgid);
		return;
	}
	if (!authorized(b, pid))
		return;
	if (!kick_signal_ok(sig)) {
		reply_error(b, "pid %u: signal %lld: the kick signal must be %d or a real-time "
			    "signal (%d to %d)", pid, sig, d.kick_sig, SIGRTMIN, SIGRTMAX);
		return;
	}
	if (d.peer->cred.uid && !proc_instrumented(pid)) {
		reply_error(b, "pid %u: not built with upstare-cc: only root may attach it", pid);
		return;
	}
	err = register_proc(pid, 0, sig);
	if (err == -EEXIST) {
		reply_error(b, "pid %u is already registered", pid);
		return;
	}
	if (err) {
		reply_error(b, "pid %u: cannot register: %s", pid, reg_strerror(err));
		return;
	}
	logmsg("pid %u: attached", pid);
	jb_kint(b, "pid", pid);
	jb_kbool(b, "instrumented", proc_instrumented(pid));
}

static void cmd_detach(struct jbuf *b, const struct json *req)
{
	struct us_proc p;
	__u32 pid;

	if (!get_registered(b, req, &pid, &p))
		return;
	obs_unregister(d.obs, pid);
	logmsg("pid %u: detached", pid);
	jb_kint(b, "pid", pid);
}

static void cmd_threads(struct jbuf *b, const struct json *req)
{
	struct us_thread_rec *recs;
	struct update_state st;
	struct us_proc p;
	__u32 pid;
	long long t0;
	int n;

	if (!get_registered(b, req, &pid, &p))
		return;
	t0 = now_ns();
	n = obs_snapshot(d.obs, pid, &recs);
	if (n < 0) {
		reply_error(b, "pid %u: snapshot failed: %s", pid, strerror(-n));
		return;
	}
	jb_kint(b, "pid", pid);
	jb_kint(b, "snapshot_ns", now_ns() - t0);
	jb_kint(b, "nthreads", n);
	add_update_state(b, pid);
	jb_key(b, "threads");
	/* The runtime's own update signal is what matters for "signal-masked". */
	readiness_threads_json(b, pid, recs, n,
			       readiness_update_state(pid, &st) ? (int)p.kick_sig : st.update_signal,
			       d.peer->cred.uid == 0);
	b->comma = true;
	free(recs);
}

static void cmd_window(struct jbuf *b, const struct json *req)
{
	struct us_proc p;
	__u32 pid;
	int gen;

	if (!get_registered(b, req, &pid, &p))
		return;
	if (d.peer->cred.uid && !proc_instrumented(pid)) {
		reply_error(b, "pid %u: not built with upstare-cc: only root may open its "
			    "update window", pid);
		return;
	}
	if (json_bool(req, "open", true)) {
		gen = obs_window_open(d.obs, pid);
		if (gen < 0) {
			reply_error(b, "pid %u: cannot open the update window: %s",
				    pid, strerror(-gen));
			return;
		}
		logmsg("pid %u: update window open, kick generation %d", pid, gen);
		jb_kint(b, "kick_gen", gen);
	} else {
		if (obs_window_close(d.obs, pid)) {
			reply_error(b, "pid %u: no update window is open", pid);
			return;
		}
		logmsg("pid %u: update window closed", pid);
	}
	obs_lookup(d.obs, pid, &p);
	jb_kint(b, "pid", pid);
	jb_kint(b, "kicks", p.kicks);
	jb_kbool(b, "window_attached", obs_window_attached(d.obs));
}

/* ----------------------------------------------------------------- updates */

/* A target of an update is observed like an attached process. */
static int ensure_registered(__u32 pid, struct us_proc *p)
{
	int err;

	if (!obs_lookup(d.obs, pid, p))
		return 0;
	err = register_proc(pid, 0, d.kick_sig);
	if (err && err != -EEXIST)
		return err;
	logmsg("pid %u: registered for an update", pid);
	return obs_lookup(d.obs, pid, p);
}

/* Every thread of every target ready, retried until deadline_ns. */
static int update_gate(void *arg, const pid_t *pids, int n, uint64_t deadline_ns, FILE *why)
{
	unsigned delay_us = 1000, checks = 0;
	char *last = NULL;
	size_t len = 0;

	for (;;) {
		FILE *f = open_memstream(&last, &len);
		int bad = 0;

		if (!f)
			return -ENOMEM;
		checks++;
		for (int i = 0; i < n; i++) {
			struct us_thread_rec *recs = NULL;
			struct update_state st;
			struct us_proc p;
			int nt, err = ensure_registered(pids[i], &p);

			nt = err ? err : obs_snapshot(d.obs, pids[i], &recs);
			if (nt < 0) {
				fprintf(f, "pid %d: cannot observe its threads: %s\n", pids[i],
					strerror(-nt));
				bad++;
				continue;
			}
			err = readiness_not_ready(pids[i], recs, nt,
						  readiness_update_state(pids[i], &st) ?
						  (int)p.kick_sig : st.update_signal,
						  d.peer->cred.uid == 0, f);
			bad += err < 0 ? 1 : err;
			free(recs);
		}
		fclose(f);
		if (!bad) {
			logmsg("update: every thread ready after %u check%s", checks,
			       checks == 1 ? "" : "s");
			free(last);
			return 0;
		}
		if ((uint64_t)now_ns() >= deadline_ns) {
			fprintf(why, "upstared: not every thread was ready before the deadline "
				"(%u checks); the update was not started:\n%s", checks, last);
			logmsg("update: not started, %d thread%s never ready", bad,
			       bad == 1 ? "" : "s");
			free(last);
			return -ETIMEDOUT;
		}
		free(last);
		last = NULL;
		usleep(delay_us);
		if (delay_us < 100000)
			delay_us *= 2;
	}
}

static void update_window(void *arg, pid_t pid, uint64_t slots_addr, int open)
{
	struct us_proc p;
	int err;

	if (!open) {
		if (!obs_window_close(d.obs, pid))
			logmsg("pid %d: update window closed", pid);
		return;
	}
	err = ensure_registered(pid, &p);
	if (!err)
		err = obs_window_open_gated(d.obs, pid, slots_addr, UPSTARE_MAX_THREADS);
	if (err < 0)
		logmsg("pid %d: no update window (%s): only the kick round signals",
		       pid, strerror(-err));
	else
		logmsg("pid %d: update window open (wrapped calls only), kick generation %d",
		       pid, err);
}

static int update_authorize(void *arg, pid_t pid, char *why, size_t n)
{
	int err = peer_may_act(pid, why, n);

	if (err)
		logmsg("refused an update of uid %u: %s", d.peer->cred.uid, why);
	return err;
}

/*
 * Open files (the paths a client names: --patch, --constraints, its
 * working directory) with the peer's rights: filesystem uid and gid and
 * supplementary groups, which are this thread's own, and with them the
 * daemon drops CAP_DAC_OVERRIDE and the other filesystem capabilities.
 * Nothing but opening files is done meanwhile.  A root peer keeps root's.
 */
static int as_peer(void *arg, int on)
{
	const struct client *c = d.peer;
	uid_t uid = on ? c->cred.uid : 0;
	gid_t gid = on ? c->cred.gid : 0;

	if (c->cred.uid == 0)
		return 0;
	if (on ? syscall(SYS_setgroups, c->ngroups, c->groups) :
		 syscall(SYS_setgroups, d.ngroups, d.groups))
		return -1;
	setfsgid(gid);
	setfsuid(uid);
	/* setfsuid() says nothing on failure: the ids in force are the answer */
	if ((uid_t)setfsuid(-1) != uid || (gid_t)setfsgid(-1) != gid) {
		errno = EPERM;
		return -1;
	}
	return 0;
}

/*
 * "update": {"cmd":"update","request":{"pid":N,"patch":"/abs",
 * "constraints":"/abs"|null,"timeout":MS,"tree":b,"explain":b,"stacks":b,
 * "json":b,"threads":[...],"depth":N}}, run by update_exec() with the
 * daemon's hooks: no argument parsing, no change of directory (paths are
 * absolute, opened with the client's rights).
 */
/* The update request's options into r: 0, or -1 with the error replied on b. */
static int update_request(struct jbuf *b, const struct json *req, struct update_req *r)
{
	const struct json *q = json_get(req, "request"), *th;
	long long pid, timeout, depth;

	*r = (struct update_req){ 0 };
	if (!q || q->type != JSON_OBJ) {
		reply_error(b, "update needs \"request\" (the update's options)");
		return -1;
	}
	pid = json_int(q, "pid", 0);
	timeout = json_int(q, "timeout", 5000);
	depth = json_int(q, "depth", 0);
	r->patch = json_str(q, "patch");
	r->constraints = json_str(q, "constraints");
	r->tree = json_bool(q, "tree", false);
	r->explain = json_bool(q, "explain", false);
	r->stacks = json_bool(q, "stacks", false);
	r->json = json_bool(q, "json", false);
	if (pid <= 0 || pid > INT_MAX || timeout <= 0 || timeout > UPDATE_TIMEOUT_MAX_MS ||
	    depth < 0 || depth > 1000000) {
		reply_error(b, "update: pid, timeout (1 to %d ms) or depth out of range",
			    UPDATE_TIMEOUT_MAX_MS);
		return -1;
	}
	r->pid = pid;
	r->timeout_ms = timeout;
	r->depth = depth;
	if (!r->patch || r->patch[0] != '/' || (r->constraints && r->constraints[0] != '/')) {
		reply_error(b, "update: the patch and constraint paths must be absolute");
		return -1;
	}
	if (r->explain && !r->constraints) {
		reply_error(b, "update: explain needs constraints");
		return -1;
	}
	th = json_get(q, "threads");
	for (const struct json *t = th && th->type == JSON_ARR ? th->child : NULL; t; t = t->next) {
		char **v;

		if (t->type != JSON_STR || !t->str[0])
			continue;
		v = realloc(r->threads, (r->nthreads + 1) * sizeof(*v));
		if (!v) {
			update_req_free(r);
			reply_error(b, "update: out of memory");
			return -1;
		}
		r->threads = v;
		r->threads[r->nthreads++] = t->str;
	}
	return 0;
}

static void cmd_update(struct jbuf *b, const struct json *req)
{
	const struct update_hooks hooks = { .gate = update_gate, .window = update_window,
					    .authorize = update_authorize, .as_client = as_peer };
	struct update_req r;
	char *obuf = NULL, *ebuf = NULL;
	size_t olen = 0, elen = 0;
	FILE *out = NULL, *err = NULL;
	int status;

	if (update_request(b, req, &r))
		return;
	out = open_memstream(&obuf, &olen);
	err = open_memstream(&ebuf, &elen);
	if (!out || !err) {
		reply_error(b, "update: out of memory");
	} else {
		logmsg("update requested");
		status = update_exec(&r, out, err, &hooks);
		fclose(out);
		fclose(err);
		out = err = NULL;
		logmsg("update: exit status %d: %.*s", status, (int)strcspn(obuf, "\n"), obuf);
		jb_kint(b, "status", status);
		jb_kstr(b, "out", obuf);
		jb_kstr(b, "err", ebuf);
	}
	if (out)
		fclose(out);
	if (err)
		fclose(err);
	free(obuf);
	free(ebuf);
	update_req_free(&r);
}

static void dispatch(struct jbuf *b, const char *line)
{
	char err[128];
	struct json *req = json_parse(line, err, sizeof(err));
	const char *cmd;

	if (!req) {
		reply_error(b, "malformed request: %s", err);
		return;
	}
	cmd = json_str(req, "cmd");
	if (!cmd)
		reply_error(b, "request has no \"cmd\"");
	else if (!strcmp(cmd, "ping"))
		jb_kint(b, "protocol", UPSTARE_PROTOCOL);
	else if (!strcmp(cmd, "ps"))
		cmd_ps(b);
	else if (!strcmp(cmd, "attach"))
		cmd_attach(b, req);
	else if (!strcmp(cmd, "detach"))
		cmd_detach(b, req);
	else if (!strcmp(cmd, "threads"))
		cmd_threads(b, req);
	else if (!strcmp(cmd, "window"))
		cmd_window(b, req);
	else if (!strcmp(cmd, "update"))
		cmd_update(b, req);
	else
		reply_error(b, "unknown command \"%s\"", cmd);
	json_free(req);
}

/* One request line in, one reply object out: {"ok":true,...} or {"ok":false,"error":...}. */
static void handle_request(struct jbuf *out, const char *line)
{
	struct jbuf body = {};

	req_failed = false;
	dispatch(&body, line);
	jb_open(out, '{');
	jb_kbool(out, "ok", !req_failed);
	if (req_failed) {
		jb_kstr(out, "error", req_err);
	} else if (body.len) {
		jb_raw(out, ",");
		jb_raw(out, body.s);
	}
	jb_close(out, '}');
	jb_free(&body);
}

/* ----------------------------------------------------------------- clients */

/* {"ok":false,"error":msg} on a line: the answer to a client not served. */
static void refusal(struct jbuf *b, const char *msg)
{
	jb_open(b, '{');
	jb_kbool(b, "ok", false);
	jb_kstr(b, "error", msg);
	jb_close(b, '}');
	jb_raw(b, "\n");
}

static void client_close(struct client *c)
{
	epoll_ctl(d.epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c->out);
	free(c->groups);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

/* Wait for the client's requests (EPOLLIN), or for it to take its replies. */
static void client_watch(struct client *c)
{
	struct epoll_event ev = {
		.events = c->out_len > c->out_off ? EPOLLOUT : EPOLLIN,
		.data.u32 = (uint32_t)(c - d.clients) + 3,
	};

	epoll_ctl(d.epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Send what the client will take now; -errno when it is gone. */
static int client_flush(struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -errno;
		c->out_off += n;
		c->active_ns = now_ns();
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	client_watch(c);
	return 0;
}

/* Queue a reply: sent as the client takes it (client_flush()). */
static int client_send(struct client *c, const char *s, size_t len)
{
	char *o;

	if (c->out_len + len > MAX_OUT)
		return -ENOBUFS;
	o = realloc(c->out, c->out_len + len);
	if (!o)
		return -ENOMEM;
	memcpy(o + c->out_len, s, len);
	c->out = o;
	c->out_len += len;
	return client_flush(c);
}

static int write_all(int fd, const char *s, size_t len)
{
	while (len) {
		ssize_t n = send(fd, s, len, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		s += n;
		len -= n;
	}
	return 0;
}

/*
 * A well-formed update request, which a worker runs?  A malformed one is
 * answered by the loop, as any other request, on its connection.
 */
static bool is_update(const char *line)
{
	char err[64];
	struct json *j = json_parse(line, err, sizeof(err));
	bool u = j && json_str(j, "cmd") && !strcmp(json_str(j, "cmd"), "update");

	if (u) {
		struct jbuf b = {};
		struct update_req r;

		u = !update_request(&b, j, &r);
		update_req_free(&r);
		jb_free(&b);
	}
	json_free(j);
	return u;
}

/*
 * An update request: a worker process forked for it runs it, answers the
 * client and exits; the connection is the worker's from then on (it ends
 * with the answer).  So an update, which may wait until its deadline,
 * holds no other client and no signal.
 */
static void start_worker(struct client *c, const char *line)
{
	int mine = 0, busy = 0, slot = -1;
	pid_t pid;

	for (int i = 0; i < MAX_WORKERS; i++) {
		if (!d.workers[i].pid && slot < 0)
			slot = i;
		busy += d.workers[i].pid != 0;
		mine += d.workers[i].pid && d.workers[i].uid == c->cred.uid;
	}
	if (slot < 0 || (c->cred.uid && (mine >= PEER_WORKERS ||
					 busy >= MAX_WORKERS - PEER_WORKERS))) {
		struct jbuf b = {};

		reply_error(&b, "too many updates in progress (%d, %d of uid %u)", busy, mine,
			    c->cred.uid);
		jb_raw(&b, "\n");
		client_send(c, b.s, b.len);
		jb_free(&b);
		return;
	}
	pid = fork();
	if (pid < 0) {
		struct jbuf b = {};

		reply_error(&b, "cannot start the update: %s", strerror(errno));
		jb_raw(&b, "\n");
		client_send(c, b.s, b.len);
		jb_free(&b);
		return;
	}
	if (pid == 0) {
		struct jbuf b = {};
		int fl;

		/* the worker holds this client only, and reacts to signals */
		close(d.lfd);
		close(d.epfd);
		close(d.sfd);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (d.clients[i].fd >= 0 && &d.clients[i] != c)
				close(d.clients[i].fd);
		sigprocmask(SIG_UNBLOCK, &d.sigs, NULL);
		fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		d.peer = c;
		handle_request(&b, line);
		jb_raw(&b, "\n");
		write_all(c->fd, b.s, b.len);
		_exit(0);
	}
	d.workers[slot].pid = pid;
	d.workers[slot].uid = c->cred.uid;
	if (d.verbose)
		logmsg("update worker %d for a client of uid %u", pid, c->cred.uid);
}

/* Reap the workers that are done. */
static void reap_workers(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < MAX_WORKERS; i++)
			if (d.workers[i].pid == pid)
				d.workers[i].pid = 0;
}

/*
 * Answer the client's complete requests, one at a time while its replies
 * wait (the rest stays buffered).  -1 when the client was closed.
 */
static int client_serve(struct client *c)
{
	char *nl;

	while (c->out_len == c->out_off && (nl = memchr(c->buf, '\n', c->len))) {
		struct jbuf b = {};
		size_t used = nl - c->buf + 1;
		int err;

		*nl = 0;
		if (is_update(c->buf)) {
			start_worker(c, c->buf);
			/* the worker answers; what follows the request is dropped */
			if (c->out_len == c->out_off) {
				client_close(c);
				return -1;
			}
			c->len = 0;
			return 0;
		}
		d.peer = c;
		handle_request(&b, c->buf);
		d.peer = NULL;
		jb_raw(&b, "\n");
		err = client_send(c, b.s, b.len);
		jb_free(&b);
		memmove(c->buf, c->buf + used, c->len - used);
		c->len -= used;
		if (err) {
			client_close(c);
			return -1;
		}
	}
	return 0;
}

static void client_read(struct client *c)
{
	ssize_t n;

	c->buf = realloc(c->buf, c->len + 4096 + 1);
	n = recv(c->fd, c->buf + c->len, 4096, 0);
	if (n <= 0) {
		client_close(c);
		return;
	}
	c->len += n;
	c->buf[c->len] = 0;
	c->active_ns = now_ns();
	if (client_serve(c))
		return;
	if (c->len > MAX_LINE) {
		struct jbuf b = {};

		refusal(&b, "request line too long");
		send(c->fd, b.s, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
		jb_free(&b);
		client_close(c);
	}
}

/* The client took replies: send the rest, then serve its buffered requests. */
static void client_write(struct client *c)
{
	if (client_flush(c)) {
		client_close(c);
		return;
	}
	client_serve(c);
}

/* Close the clients that sent nothing for IDLE_S or took no reply for STUCK_S. */
static void clients_expire(void)
{
	long long now = now_ns();

	for (int i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &d.clients[i];
		bool stuck = c->out_len > c->out_off;

		if (c->fd < 0 || now - c->active_ns < (stuck ? STUCK_S : IDLE_S) * 1000000000LL)
			continue;
		logmsg("closed a client of uid %u: %s", c->cred.uid,
		       stuck ? "it took none of its replies for 5 s" : "idle for 60 s");
		client_close(c);
	}
}

/* Root, or a member of the configured group (primary or supplementary). */
static bool peer_allowed(const struct ucred *cr)
{
	char path[64], line[4096];
	bool ok = false;
	FILE *f;

	if (cr->uid == 0)
		return true;
	if (!d.have_group)
		return false;
	if (cr->gid == d.gid)
		return true;
	snprintf(path, sizeof(path), "/proc/%d/status", cr->pid);
	f = fopen(path, "re");
	if (!f)
		return false;
	while (fgets(line, sizeof(line), f)) {
		char *tok, *save;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (tok = strtok_r(line + 7, " \t\n", &save); tok;
		     tok = strtok_r(NULL, " \t\n", &save))
			if ((gid_t)strtoul(tok, NULL, 10) == d.gid)
				ok = true;
	}
	fclose(f);
	return ok;
}

/* The peer's supplementary groups at connect (SO_PEERGROUPS). */
static int peer_groups(int fd, struct client *c)
{
	socklen_t len = 16 * sizeof(gid_t);

	for (;;) {
		gid_t *g = realloc(c->groups, len ? len : sizeof(gid_t));

		if (!g)
			return -ENOMEM;
		c->groups = g;
		if (!getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len))
			break;
		if (errno != ERANGE)
			return -errno;
	}
	c->ngroups = len / sizeof(gid_t);
	return 0;
}

static void accept_client(void)
{
	struct epoll_event ev = { .events = EPOLLIN };
	socklen_t len = sizeof(struct ucred);
	struct ucred cr;
	int fd, i;

	fd = accept4(d.lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) || !peer_allowed(&cr)) {
		struct jbuf b = {};

		logmsg("refused a client (uid %u gid %u pid %d)", cr.uid, cr.gid, cr.pid);
		refusal(&b, "permission denied");
		write_all(fd, b.s, b.len);
		jb_free(&b);
		close(fd);
		return;
	}
	{
		int used = 0, mine = 0;
		char msg[160];

		for (i = 0; i < MAX_CLIENTS; i++) {
			used += d.clients[i].fd >= 0;
			mine += d.clients[i].fd >= 0 && d.clients[i].cred.uid == cr.uid;
		}
		if (used == MAX_CLIENTS || (cr.uid && (mine >= PEER_CLIENTS ||
						       used >= MAX_CLIENTS - ROOT_CLIENTS))) {
			struct jbuf b = {};

			snprintf(msg, sizeof(msg), "too many clients (%d connected, %d of uid %u)",
				 used, mine, cr.uid);
			logmsg("refused a client of uid %u: too many clients", cr.uid);
			refusal(&b, msg);
			send(fd, b.s, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
			jb_free(&b);
			close(fd);
			return;
		}
	}
	for (i = 0; i < MAX_CLIENTS && d.clients[i].fd >= 0; i++)
		;
	if (peer_groups(fd, &d.clients[i])) {
		close(fd);
		return;
	}
	d.clients[i].cred = cr;
	d.clients[i].active_ns = now_ns();
	d.clients[i].fd = fd;
	ev.data.u32 = i + 3;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int listen_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)], *slash;
	mode_t old;
	int fd, err;

	if (strlen(d.sock_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, d.sock_path);
	strcpy(dir, d.sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(d.sock_path);
	/* Never let the socket exist with a wider mode than intended. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (err)
		goto err_close;
	if (d.have_group && (chown(d.sock_path, 0, d.gid) || chmod(d.sock_path, 0660)))
		goto err_close;
	if (listen(fd, 16))
		goto err_close;
	return fd;
err_close:
	err = -errno;
	close(fd);
	return err;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: upstared [-s SOCKET] [-g GROUP] [-k SIGNAL] [-u N] [-v]\n"
		"  -s, --socket PATH       listen here (default %s)\n"
		"  -g, --group GROUP       members of GROUP may use the socket too\n"
		"  -k, --kick-signal N     signal that interrupts blocked threads (default %d)\n"
		"  -u, --max-procs-per-uid N\n"
		"                          processes one user other than root may have\n"
		"                          registered (1 to %d, default %d)\n"
		"  -v, --verbose           log libbpf's debug output\n",
		UPSTARE_DEFAULT_SOCKET, UPSTARE_DEFAULT_KICK_SIGNAL,
		US_MAX_PROCS - US_ROOT_RESERVE, US_UID_PROCS_DEFAULT);
}

static int parse_args(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "group", required_argument, NULL, 'g' },
		{ "kick-signal", required_argument, NULL, 'k' },
		{ "max-procs-per-uid", required_argument, NULL, 'u' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct group *gr;
	int c;

	d.sock_path = getenv("UPSTARE_SOCKET") ?: UPSTARE_DEFAULT_SOCKET;
	d.uid_procs = US_UID_PROCS_DEFAULT;
	while ((c = getopt_long(argc, argv, "s:g:k:u:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			d.sock_path = optarg;
			break;
		case 'g':
			gr = getgrnam(optarg);
			if (!gr) {
				fprintf(stderr, "upstared: --group %s: no such group\n", optarg);
				return -1;
			}
			d.gid = gr->gr_gid;
			d.have_group = true;
			break;
		case 'k':
			d.kick_sig = atoi(optarg);
			if (d.kick_sig < SIGRTMIN || d.kick_sig > SIGRTMAX) {
				fprintf(stderr, "upstared: --kick-signal %s: not a real-time signal "
					"(%d to %d)\n", optarg, SIGRTMIN, SIGRTMAX);
				return -1;
			}
			break;
		case 'u': {
			char *end;
			unsigned long n;

			errno = 0;
			n = strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg || optarg[0] == '-' || !n ||
			    n > US_MAX_PROCS - US_ROOT_RESERVE) {
				fprintf(stderr, "upstared: --max-procs-per-uid %s: not a number from "
					"1 to %d\n", optarg, US_MAX_PROCS - US_ROOT_RESERVE);
				return -1;
			}
			d.uid_procs = n;
			break;
		}
		case 'v':
			d.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct epoll_event ev = { .events = EPOLLIN };
	bool running = true;
	sigset_t mask;
	int err, i;

	if (parse_args(argc, argv))
		return 2;
	for (i = 0; i < MAX_CLIENTS; i++)
		d.clients[i].fd = -1;
	libbpf_set_print(libbpf_log);
	if (geteuid()) {
		logmsg("must run as root (loads BPF programs)");
		return 1;
	}
	d.ngroups = getgroups(0, NULL);
	d.groups = calloc(d.ngroups + 1, sizeof(gid_t));
	if (d.ngroups < 0 || !d.groups || getgroups(d.ngroups, d.groups) < 0) {
		logmsg("getgroups: %s", strerror(errno));
		return 1;
	}
	err = obs_open(&d.obs, on_event, NULL, d.uid_procs);
	if (err) {
		logmsg("cannot load the BPF programs: %s", strerror(-err));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	d.sigs = mask;
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	d.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	d.lfd = listen_socket();
	if (d.lfd < 0) {
		logmsg("%s: %s", d.sock_path, strerror(-d.lfd));
		err = 1;
		goto cleanup;
	}
	d.epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = 0;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.lfd, &ev);
	ev.data.u32 = 1;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, obs_events_fd(d.obs), &ev);
	ev.data.u32 = 2;
	epoll_ctl(d.epfd, EPOLL_CTL_ADD, d.sfd, &ev);
	logmsg("listening on %s (kick signal %d)", d.sock_path, d.kick_sig);
	while (running) {
		struct epoll_event evs[16];
		int n = epoll_wait(d.epfd, evs, 16, 1000);

		clients_expire();
		if (n < 0 && errno == EINTR)
			continue;
		for (i = 0; i < n; i++) {
			__u32 id = evs[i].data.u32;

			if (id == 0) {
				accept_client();
			} else if (id == 1) {
				obs_poll_events(d.obs);
			} else if (id == 2) {
				struct signalfd_siginfo si;

				if (read(d.sfd, &si, sizeof(si)) != sizeof(si) ||
				    si.ssi_signo == SIGHUP)
					continue;
				if (si.ssi_signo == SIGCHLD) {
					reap_workers();
					continue;
				}
				logmsg("signal %d: detaching and exiting", si.ssi_signo);
				running = false;
			} else if (d.clients[id - 3].fd >= 0) {
				if (evs[i].events & EPOLLOUT)
					client_write(&d.clients[id - 3]);
				else
					client_read(&d.clients[id - 3]);
			}
		}
	}
	err = 0;
cleanup:
	for (i = 0; i < MAX_CLIENTS; i++)
		if (d.clients[i].fd >= 0)
			client_close(&d.clients[i]);
	free(d.groups);
	if (d.lfd >= 0) {
		close(d.lfd);
		unlink(d.sock_path);
	}
	obs_close(d.obs);
	return err;
}
