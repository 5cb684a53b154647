// SPDX-License-Identifier: GPL-2.0
/*
 * upstared: the registry of target processes.  A process is registered by
 * hand (attach), when it execs a binary with a .upstare section (the
 * lifecycle BPF program's exec event), with the children it forked before
 * that event was read, and by the kernel at fork when its parent is
 * registered (bpf/lifecycle.bpf.c).  The counts per uid live in the BPF
 * side (bpfobs.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "target.h"
#include "upmeta.h"
#include "upstared.h"

void proc_comm(__u32 pid, char *buf, size_t len)
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
long proc_tgid(__u32 pid)
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

bool proc_instrumented(__u32 pid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%u/exe", pid);
	return upmeta_present(path);
}

static void register_descendants(__u32 root, int kick_sig);
static int register_live(__u32 pid, __u32 parent, int kick_sig);

/* Why obs_register() failed, in words. */
const char *reg_strerror(int err)
{
	static char buf[128];

	if (err == -EDQUOT)
		snprintf(buf, sizeof(buf), "its user has the most processes registered that "
			 "one user may have (%u, --max-procs-per-uid)", obs_uid_procs(upd.obs));
	else if (err == -ENOSPC)
		snprintf(buf, sizeof(buf), "the registry's entries left are kept for root's "
			 "processes (%d of %d)", US_ROOT_RESERVE, US_MAX_PROCS);
	else
		snprintf(buf, sizeof(buf), "%s", strerror(-err));
	return buf;
}

void on_event(void *ctx, const struct us_event *e)
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
		obs_process_gone(upd.obs, e->pid);
		logmsg("pid %u (%.16s): exited, unregistered", e->pid, e->comm);
		break;
	case US_EV_EXEC:
		inst = proc_instrumented(e->pid);
		if (inst && !e->registered) {
			err = register_live(e->pid, 0, upd.kick_sig);
			if (err && err != -EEXIST) {
				logmsg("pid %u (%.16s): exec'd an instrumented binary but "
				       "cannot register: %s", e->pid, e->comm, reg_strerror(err));
				break;
			}
			logmsg("pid %u (%.16s): exec'd an instrumented binary, registered",
			       e->pid, e->comm);
			register_descendants(e->pid, upd.kick_sig);
		} else if (!inst && e->registered) {
			obs_unregister(upd.obs, e->pid);
			logmsg("pid %u (%.16s): exec'd a binary without .upstare, unregistered",
			       e->pid, e->comm);
		}
		break;
	}
}

/*
 * The real, effective and saved ids of the "Uid:" and "Gid:" lines of
 * pid's status, and the owner of that file: the process's euid, or root
 * when it is not dumpable.
 */
int proc_ids(__u32 pid, unsigned long uid[3], unsigned long gid[3], uid_t *owner)
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
int register_proc(__u32 pid, __u32 parent, int kick_sig)
{
	unsigned long uid[3], gid[3];
	uid_t owner;
	int err = proc_ids(pid, uid, gid, &owner);

	return err ? err : obs_register(upd.obs, pid, parent, kick_sig, uid[0]);
}

/* Is pid alive (not a zombie) and, with parent, still its child? */
static bool still_there(__u32 pid, __u32 parent)
{
	char buf[512], *p = target_proc_stat(pid, buf, sizeof(buf));
	char state;
	int ppid;

	return p && sscanf(p, "%c %d", &state, &ppid) == 2 && state != 'Z' && state != 'X' &&
	       (!parent || (__u32)ppid == parent);
}

/*
 * register_proc() for a process read from /proc a moment ago: one that
 * exited meanwhile has had its exit event already, which would have
 * removed the entry, so the entry would stay for good (counted against
 * its user, and given to whatever process gets the pid next).  Checked
 * after the entry exists: an exit from then on removes it.
 */
static int register_live(__u32 pid, __u32 parent, int kick_sig)
{
	int err = register_proc(pid, parent, kick_sig);

	if (!err && !still_there(pid, parent)) {
		obs_unregister(upd.obs, pid);
		err = -ESRCH;
	}
	return err;
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
/*
 * The walks' budget: WALK_BUDGET_NS of every second.  A walk reads every
 * process's stat (about 1 ms per 100 processes), and anyone may exec
 * instrumented binaries: unbounded, a user starting them in loops kept the
 * daemon from answering anybody (no reply in 10 s, with 3,000 processes
 * and 8 loops).  Over budget, a program's early children are left
 * unregistered, as before these walks, and the log says so.
 */
#define WALK_BUDGET_NS	50000000ull

static bool walk_budget(long long spent_ns)
{
	static long long window, used;
	static bool said;
	long long now = now_ns();

	if (now - window >= 1000000000ll) {
		window = now;
		used = 0;
		said = false;
	}
	used += spent_ns;
	if (used < (long long)WALK_BUDGET_NS)
		return true;
	if (!said)
		logmsg("too many instrumented programs started this second: the children "
		       "some forked before their exec was seen are not registered");
	said = true;
	return false;
}

static void register_descendants(__u32 root, int kick_sig)
{
	for (int pass = 0; pass < 8 && walk_budget(0); pass++) {
		long long t0 = now_ns();
		pid_t *pids, *parents;
		int n = target_tree(root, true, &pids, &parents), added = 0;

		for (int i = 1; i < n; i++) {
			struct us_proc p;
			int err;

			if (!obs_lookup(upd.obs, pids[i], &p) || !proc_instrumented(pids[i]))
				continue;
			err = register_live(pids[i], parents[i], kick_sig);
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
		walk_budget(now_ns() - t0);
		if (!added)
			break;
	}
}
