// SPDX-License-Identifier: GPL-2.0
/*
 * upstared: the requests.  Each JSON line names a command; the handler
 * checks that the peer may act on the process (root, or the owner of a
 * dumpable process with the same ids), does it, and answers one JSON
 * line.  "update" runs update.c's driver with upstared's hooks: the
 * readiness gate, the update window's BPF kicks, the authorization of
 * each process of a tree, and the peer's credentials for opening the
 * patch.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/fsuid.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "client.h"
#include "readiness.h"
#include "update.h"
#include "upstare-ctl.h"
#include "upstared.h"

/* A handler that fails says why here; the reply then carries only the error. */
static char req_err[512];
static bool req_failed;

void reply_error(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(req_err, sizeof(req_err), fmt, ap);
	va_end(ap);
	req_failed = true;
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
	const struct ucred *cr = &upd.peer->cred;
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
	logmsg("refused a request of uid %u: %s", upd.peer->cred.uid, why);
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
	if (obs_lookup(upd.obs, *pid, p)) {
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
	int n = obs_list(upd.obs, pids, US_MAX_PROCS), i;

	jb_kint(b, "window_attached", obs_window_attached(upd.obs));
	jb_key(b, "procs");
	jb_open(b, '[');
	for (i = 0; i < n; i++) {
		struct us_proc p;
		char comm[32];

		if (obs_lookup(upd.obs, pids[i], &p))
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
	return sig == upd.kick_sig || (sig >= SIGRTMIN && sig <= SIGRTMAX);
}

static void cmd_attach(struct jbuf *b, const struct json *req)
{
	long tgid;
	__u32 pid;
	long long sig = json_int(req, "signal", upd.kick_sig);
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
			    "signal (%d to %d)", pid, sig, upd.kick_sig, SIGRTMIN, SIGRTMAX);
		return;
	}
	if (upd.peer->cred.uid && !proc_instrumented(pid)) {
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
	obs_unregister(upd.obs, pid);
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
	n = obs_snapshot(upd.obs, pid, &recs);
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
			       upd.peer->cred.uid == 0);
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
	if (upd.peer->cred.uid && !proc_instrumented(pid)) {
		reply_error(b, "pid %u: not built with upstare-cc: only root may open its "
			    "update window", pid);
		return;
	}
	if (json_bool(req, "open", true)) {
		gen = obs_window_open(upd.obs, pid);
		if (gen < 0) {
			reply_error(b, "pid %u: cannot open the update window: %s",
				    pid, strerror(-gen));
			return;
		}
		logmsg("pid %u: update window open, kick generation %d", pid, gen);
		jb_kint(b, "kick_gen", gen);
	} else {
		if (obs_window_close(upd.obs, pid)) {
			reply_error(b, "pid %u: no update window is open", pid);
			return;
		}
		logmsg("pid %u: update window closed", pid);
	}
	obs_lookup(upd.obs, pid, &p);
	jb_kint(b, "pid", pid);
	jb_kint(b, "kicks", p.kicks);
	jb_kbool(b, "window_attached", obs_window_attached(upd.obs));
}

/* ----------------------------------------------------------------- updates */

/* A target of an update is observed like an attached process. */
static int ensure_registered(__u32 pid, struct us_proc *p)
{
	int err;

	if (!obs_lookup(upd.obs, pid, p))
		return 0;
	err = register_proc(pid, 0, upd.kick_sig);
	if (err && err != -EEXIST)
		return err;
	logmsg("pid %u: registered for an update", pid);
	return obs_lookup(upd.obs, pid, p);
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

			nt = err ? err : obs_snapshot(upd.obs, pids[i], &recs);
			if (nt < 0) {
				fprintf(f, "pid %d: cannot observe its threads: %s\n", pids[i],
					strerror(-nt));
				bad++;
				continue;
			}
			err = readiness_not_ready(pids[i], recs, nt,
						  readiness_update_state(pids[i], &st) ?
						  (int)p.kick_sig : st.update_signal,
						  upd.peer->cred.uid == 0, f);
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
		if (!obs_window_close(upd.obs, pid))
			logmsg("pid %d: update window closed", pid);
		return;
	}
	err = ensure_registered(pid, &p);
	if (!err)
		err = obs_window_open_gated(upd.obs, pid, slots_addr, UPSTARE_MAX_THREADS);
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
		logmsg("refused an update of uid %u: %s", upd.peer->cred.uid, why);
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
	const struct client *c = upd.peer;
	uid_t uid = on ? c->cred.uid : 0;
	gid_t gid = on ? c->cred.gid : 0;

	if (c->cred.uid == 0)
		return 0;
	if (on ? syscall(SYS_setgroups, c->ngroups, c->groups) :
		 syscall(SYS_setgroups, upd.ngroups, upd.groups))
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
int update_request(struct jbuf *b, const struct json *req, struct update_req *r)
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
void handle_request(struct jbuf *out, const char *line)
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
