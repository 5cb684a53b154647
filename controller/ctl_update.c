// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl update: apply a patch to a running process.
 *
 * Drives the protocol of userlib/include/upstare-ctl.h directly: finds the
 * process's control block from its executable's symbol table and
 * /proc/PID/maps, writes the request with process_vm_writev, sets the
 * target's pending flag, signals the threads that are inside a blocking
 * call, and polls the block until the target has answered.  The target
 * itself loads and checks the patch, enforces the deadline and rolls back;
 * this side only asks and reports.
 *
 * With --tree the process and all its descendants are updated in one step:
 * each target is asked to wait, transformed but not committed, until every
 * one is ready; then all commit, or all roll back if one of them failed.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <getopt.h>
#include <libelf.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "upstarectl.h"
#include "upstare-ctl.h"

static const char *const result_names[] = {
	[UPSTARE_RES_NONE] = "none",
	[UPSTARE_RES_APPLIED] = "applied",
	[UPSTARE_RES_ROLLED_BACK] = "rolled-back",
	[UPSTARE_RES_REFUSED] = "refused",
	[UPSTARE_RES_TIMEOUT] = "timeout",
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* The value of symbol name in the executable, and its ELF type. */
static int find_symbol(const char *exe, const char *sym, uint64_t *value, int *is_dyn)
{
	int fd = open(exe, O_RDONLY | O_CLOEXEC), err = -ENOENT;
	Elf_Scn *scn = NULL;
	GElf_Ehdr eh;
	Elf *e;

	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	e = elf_begin(fd, ELF_C_READ, NULL);
	if (!e || !gelf_getehdr(e, &eh)) {
		err = -ENOEXEC;
		goto out;
	}
	*is_dyn = eh.e_type == ET_DYN;
	while ((scn = elf_nextscn(e, scn)) && err) {
		GElf_Shdr sh;
		Elf_Data *d;

		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		d = elf_getdata(scn, NULL);
		for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
			GElf_Sym s;
			const char *n;

			if (!gelf_getsym(d, i, &s))
				continue;
			n = elf_strptr(e, sh.sh_link, s.st_name);
			if (n && !strcmp(n, sym) && s.st_shndx != SHN_UNDEF) {
				*value = s.st_value;
				err = 0;
				break;
			}
		}
	}
out:
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

/* Where the executable's first mapping (file offset 0) starts. */
static int load_base(pid_t pid, const char *exe, uint64_t *base)
{
	char path[64], line[PATH_MAX + 256];
	FILE *f;
	int err = -ENOENT;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		unsigned long start, off;
		char *p = strchr(line, '/');

		if (!p || sscanf(line, "%lx-%*lx %*s %lx", &start, &off) != 2)
			continue;
		p[strcspn(p, "\n")] = 0;
		if (!strcmp(p, exe) && off == 0) {
			*base = start;
			err = 0;
			break;
		}
	}
	fclose(f);
	return err;
}

static int rw(pid_t pid, uint64_t addr, void *buf, size_t n, int write)
{
	struct iovec local = { buf, n }, remote = { (void *)(uintptr_t)addr, n };
	ssize_t r = write ? process_vm_writev(pid, &local, 1, &remote, 1, 0) :
			    process_vm_readv(pid, &local, 1, &remote, 1, 0);

	return r == (ssize_t)n ? 0 : -(r < 0 ? errno : EIO);
}

#define FIELD(cbaddr, f) ((cbaddr) + offsetof(struct upstare_control, f))

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++)
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	fputc('"', f);
}

struct target {
	char *stacks;		/* upstare_stacks[] read in READY, or NULL */
	pid_t pid;
	uint64_t addr, threads, pending;	/* control block, upstare_threads, __upstare_pending */
	uint64_t stacks_addr;			/* upstare_stacks */
	uint32_t req;
	int done, decided;
	struct upstare_control c;
};

/* Time in us from step a of the earliest target to step b of the latest. */
static long span_us(const struct target *t, int n, int a, int b)
{
	uint64_t lo = 0, hi = 0;

	for (int i = 0; i < n; i++) {
		if (!t[i].c.t_ns[a] || !t[i].c.t_ns[b])
			return -1;
		if (!lo || t[i].c.t_ns[a] < lo)
			lo = t[i].c.t_ns[a];
		if (t[i].c.t_ns[b] > hi)
			hi = t[i].c.t_ns[b];
	}
	return n && hi >= lo ? (long)((hi - lo) / 1000) : -1;
}

static void json_reasons(FILE *f, const struct target *t, int n, const char *extra)
{
	int first = 1;

	fputs("\"reasons\":[", f);
	if (extra) {
		json_str(f, extra);
		first = 0;
	}
	for (int i = 0; i < n; i++)
		for (const char *p = t[i].c.reasons; *p;) {
			size_t len = strcspn(p, "\n");
			char *line;

			if ((n > 1 ? asprintf(&line, "pid %d: %.*s", t[i].pid, (int)len, p) :
				     asprintf(&line, "%.*s", (int)len, p)) < 0)
				break;
			if (!first)
				fputc(',', f);
			json_str(f, line);
			free(line);
			first = 0;
			p += len + (p[len] == '\n');
		}
	fputc(']', f);
}

/*
 * "stacks": the frames of every parked thread as the targets exported them
 * in READY: [{"pid","tid","comm","frames":[{"function","file","line","key"}]}].
 */
static void json_stacks(FILE *f, const struct target *t, int n)
{
	int first = 1;

	fputs(",\"stacks\":[", f);
	for (int i = 0; i < n; i++) {
		int in_thread = 0, nframes = 0;

		for (char *p = t[i].stacks; p && *p;) {
			size_t len = strcspn(p, "\n");
			char *line = strndup(p, len), *fld[4] = { 0 };
			int tid;

			p += len + (p[len] == '\n');
			if (sscanf(line, "thread %d", &tid) == 1) {
				char *comm = strchr(line + 7, ' ');

				fputs(in_thread ? "]}" : "", f);
				fprintf(f, "%s{\"pid\":%d,\"tid\":%d,\"comm\":", first ? "" : ",",
					t[i].pid, tid);
				json_str(f, comm ? comm + 1 : "");
				fputs(",\"frames\":[", f);
				in_thread = 1;
				nframes = 0;
				first = 0;
			} else if (in_thread) {
				char *save = NULL;

				fld[0] = strtok_r(line, "\t", &save);
				for (int k = 1; k < 4 && fld[k - 1]; k++)
					fld[k] = strtok_r(NULL, "\t", &save);
				if (fld[3]) {
					fprintf(f, "%s{\"function\":", nframes++ ? "," : "");
					json_str(f, fld[0]);
					fputs(",\"file\":", f);
					json_str(f, fld[1]);
					fprintf(f, ",\"line\":%ld,\"key\":", atol(fld[2]));
					json_str(f, fld[3]);
					fputc('}', f);
				}
			}
			free(line);
		}
		if (in_thread)
			fputs("]}", f);
	}
	fputc(']', f);
}

static const char *result_name(uint32_t r)
{
	return r < sizeof(result_names) / sizeof(result_names[0]) ? result_names[r] : "none";
}

/* The group's result: applied only if every target applied it. */
static const char *group_result(const struct target *t, int n)
{
	static const uint32_t order[] = { UPSTARE_RES_REFUSED, UPSTARE_RES_TIMEOUT,
					  UPSTARE_RES_ROLLED_BACK, UPSTARE_RES_NONE };

	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++)
		for (int i = 0; i < n; i++)
			if (t[i].c.result == order[k])
				return result_name(order[k]);
	return "applied";
}

static void report(FILE *f, int json, const char *result, const struct target *t, int n,
		   const char *extra)
{
	if (!json) {
		fprintf(f, "update %s", result);
		if (n && !strcmp(result, "applied"))
			fprintf(f, ": %d process%s, generation %u, pause %ld us", n,
				n > 1 ? "es" : "", t[0].c.generation,
				span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fputc('\n', f);
		if (extra)
			fprintf(f, "%s\n", extra);
		for (int i = 0; i < n; i++)
			if (t[i].c.reasons[0] && n > 1)
				fprintf(f, "pid %d: %s\n", t[i].pid, t[i].c.reasons);
			else if (t[i].c.reasons[0])
				fprintf(f, "%s\n", t[i].c.reasons);
		return;
	}
	fprintf(f, "{\"result\":\"%s\"", result);
	if (n) {
		unsigned threads = 0, parked = 0;

		for (int i = 0; i < n; i++) {
			threads += t[i].c.nthreads;
			parked += t[i].c.nparked;
		}
		fprintf(f, ",\"generation\":%u,\"build_id\":\"%s\",\"threads\":%u,\"parked\":%u",
			t[0].c.generation, t[0].c.build_id, threads, parked);
		fprintf(f, ",\"pause_us\":%ld",
			span_us(t, n, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fprintf(f, ",\"phases_us\":{\"prepare\":%ld,\"quiesce\":%ld,\"transform\":%ld,"
			"\"rebuild\":%ld}",
			span_us(t, n, UPSTARE_T_REQUEST, UPSTARE_T_PREPARED),
			span_us(t, n, UPSTARE_T_PREPARED, UPSTARE_T_ALL_PARKED),
			span_us(t, n, UPSTARE_T_ALL_PARKED, UPSTARE_T_TRANSFORMED),
			span_us(t, n, UPSTARE_T_TRANSFORMED, UPSTARE_T_RESUMED));
		fputs(",\"processes\":[", f);
		for (int i = 0; i < n; i++)
			fprintf(f, "%s{\"pid\":%d,\"result\":\"%s\",\"parked\":%u}", i ? "," : "",
				t[i].pid, result_name(t[i].c.result), t[i].c.nparked);
		fputc(']', f);
	}
	for (int i = 0; i < n; i++)
		if (t[i].stacks) {
			json_stacks(f, t, n);
			break;
		}
	fputc(',', f);
	json_reasons(f, t, n, extra);
	fputs("}\n", f);
}

/* Refuse a patch anyone but root could have changed, before asking. */
static int check_patch(const char *path, char *why, size_t n)
{
	struct stat st;

	if (stat(path, &st)) {
		snprintf(why, n, "patch %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode) || st.st_uid != 0 || (st.st_mode & 022)) {
		snprintf(why, n, "patch %s: must be a regular file owned by root and writable "
			 "by no one else (owner %u, mode %04o)", path, st.st_uid,
			 st.st_mode & 07777);
		return -1;
	}
	return 0;
}

/* The process and, with tree, all its descendants (parents first). */
static int collect(pid_t root, int tree, pid_t **out)
{
	pid_t *v = malloc(sizeof(*v));
	int n = 1;

	v[0] = root;
	for (int i = 0; tree && i < n; i++) {
		DIR *d = opendir("/proc");
		struct dirent *de;

		while (d && (de = readdir(d))) {
			char path[300], buf[512], *p;
			pid_t pid = atoi(de->d_name), ppid;
			FILE *f;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/stat", pid);
			f = fopen(path, "re");
			if (!f)
				continue;
			p = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
			fclose(f);
			if (p && sscanf(p + 2, "%*c %d", &ppid) == 1 && ppid == v[i]) {
				v = realloc(v, (n + 1) * sizeof(*v));
				v[n++] = pid;
			}
		}
		if (d)
			closedir(d);
	}
	*out = v;
	return n;
}

/* Find and check a target's control block. */
static int locate(struct target *t)
{
	char exe[PATH_MAX], path[64];
	uint64_t sym, base = 0;
	int is_dyn, err;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", t->pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "upstarectl update: pid %d: %s\n", t->pid, strerror(errno));
		return -1;
	}
	exe[n] = 0;
	if (find_symbol(path, UPSTARE_CONTROL_SYM, &sym, &is_dyn)) {
		fprintf(stderr, "upstarectl update: pid %d (%s): no %s symbol: not built with "
			"upstare-cc\n", t->pid, exe, UPSTARE_CONTROL_SYM);
		return -1;
	}
	if (is_dyn && load_base(t->pid, exe, &base)) {
		fprintf(stderr, "upstarectl update: pid %d: %s is not mapped\n", t->pid, exe);
		return -1;
	}
	t->addr = base + sym;
	if (find_symbol(path, UPSTARE_THREADS_SYM, &sym, &is_dyn))
		return -1;
	t->threads = base + sym;
	if (find_symbol(path, UPSTARE_PENDING_SYM, &sym, &is_dyn))
		return -1;
	t->pending = base + sym;
	if (find_symbol(path, UPSTARE_STACKS_SYM, &sym, &is_dyn))
		return -1;
	t->stacks_addr = base + sym;
	err = rw(t->pid, t->addr, &t->c, sizeof(t->c), 0);
	if (err || t->c.magic != UPSTARE_CONTROL_MAGIC ||
	    t->c.version != UPSTARE_CONTROL_VERSION || t->c.size != sizeof(t->c)) {
		fprintf(stderr, "upstarectl update: pid %d: %s\n", t->pid,
			err ? strerror(-err) : "control block of another runtime version");
		return -1;
	}
	return 0;
}

/*
 * Tell the target an update is pending: running threads see the flag at
 * their next update point; threads inside a wrapped blocking call get the
 * update signal.  Threads blocked elsewhere are left alone.
 */
static void kick(struct target *t)
{
	static struct upstare_thread_slot slots[UPSTARE_MAX_THREADS];
	uint32_t n = t->c.nslots < UPSTARE_MAX_THREADS ? t->c.nslots : UPSTARE_MAX_THREADS;
	int one = 1;

	rw(t->pid, t->pending, &one, sizeof(one), 1);
	if (!n || rw(t->pid, t->threads, slots, n * sizeof(slots[0]), 0))
		return;
	for (uint32_t i = 0; i < n; i++)
		if (slots[i].tid > 0 && slots[i].blocking)
			syscall(SYS_tgkill, t->pid, slots[i].tid, t->c.update_signal);
}

static int ask(struct target *t, const char *patch, uint32_t timeout, uint32_t group)
{
	uint32_t zero = 0;

	if (rw(t->pid, FIELD(t->addr, patch), (void *)patch, strlen(patch) + 1, 1) ||
	    rw(t->pid, FIELD(t->addr, timeout_ms), &timeout, sizeof(timeout), 1) ||
	    rw(t->pid, FIELD(t->addr, group), &group, sizeof(group), 1) ||
	    rw(t->pid, FIELD(t->addr, decision), &zero, sizeof(zero), 1))
		return -1;
	t->req = t->c.ack + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	return rw(t->pid, FIELD(t->addr, request), &t->req, sizeof(t->req), 1);
}

static void read_stacks(struct target *t)
{
	uint32_t len = t->c.stacks_len < UPSTARE_STACKS_MAX ? t->c.stacks_len : 0;

	free(t->stacks);
	t->stacks = calloc(1, len + 1);
	if (t->stacks && len && rw(t->pid, t->stacks_addr, t->stacks, len, 0))
		t->stacks[0] = 0;
}

static void decide(struct target *t, int n, uint32_t d)
{
	for (int i = 0; i < n; i++)
		if (!t[i].done && !t[i].decided) {
			rw(t[i].pid, FIELD(t[i].addr, decision), &d, sizeof(d), 1);
			t[i].decided = 1;
		}
}

int ctl_update(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "patch", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tree", no_argument, NULL, 'T' },
		{ "stacks", no_argument, NULL, 'S' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char patch[PATH_MAX], why[PATH_MAX + 256];
	const char *patch_arg = NULL, *res;
	struct target *t = NULL;
	unsigned timeout = 5000;
	int opt, json = 0, tree = 0, stacks = 0, group, n, ndone = 0, ret = 1;
	uint64_t deadline, last;
	pid_t pid = 0, *pids = NULL;

	while ((opt = getopt_long(argc, argv, "p:f:t:TSjh", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': pid = atoi(optarg); break;
		case 'f': patch_arg = optarg; break;
		case 't': timeout = strtoul(optarg, NULL, 0); break;
		case 'T': tree = 1; break;
		case 'S': stacks = 1; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: upstarectl update --pid PID --patch FILE [--timeout MS] "
			       "[--tree] [--stacks] [--json]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (pid <= 0 || !patch_arg) {
		fprintf(stderr, "upstarectl update: --pid PID and --patch FILE are required\n");
		return 2;
	}
	if (!realpath(patch_arg, patch)) {
		snprintf(why, sizeof(why), "patch %s: %s", patch_arg, strerror(errno));
		report(stdout, json, "refused", NULL, 0, why);
		return 1;
	}
	if (check_patch(patch, why, sizeof(why))) {
		report(stdout, json, "refused", NULL, 0, why);
		return 1;
	}
	n = collect(pid, tree, &pids);
	group = n > 1 || stacks;
	t = calloc(n, sizeof(*t));
	for (int i = 0; i < n; i++) {
		t[i].pid = pids[i];
		if (locate(&t[i]))
			goto out;
	}
	/* one update at a time per process */
	deadline = now_ns() + timeout * 1000000ull;
	for (int i = 0; i < n; i++)
		while (t[i].c.phase != UPSTARE_PH_IDLE || t[i].c.request != t[i].c.ack) {
			if (now_ns() > deadline) {
				snprintf(why, sizeof(why), "pid %d: another update is in progress",
					 t[i].pid);
				report(stdout, json, "timeout", NULL, 0, why);
				goto out;
			}
			usleep(1000);
			if (rw(t[i].pid, t[i].addr, &t[i].c, sizeof(t[i].c), 0))
				goto out;
		}
	for (int i = 0; i < n; i++)
		if (ask(&t[i], patch, timeout, group)) {
			fprintf(stderr, "upstarectl update: pid %d: cannot write the request\n",
				t[i].pid);
			decide(t, i, UPSTARE_DECIDE_ABORT);
			goto out;
		}
	for (int i = 0; i < n; i++)
		kick(&t[i]);
	/* the targets enforce the deadline; give them time to roll back */
	deadline = now_ns() + (timeout + 10000) * 1000000ull;
	for (last = now_ns(); ndone < n; usleep(500)) {
		int ready = 0, failed = 0;

		for (int i = 0; i < n; i++) {
			struct target *x = &t[i];

			if (x->done)
				continue;
			if (rw(x->pid, x->addr, &x->c, sizeof(x->c), 0)) {
				fprintf(stderr, "upstarectl update: pid %d exited during the update\n",
					x->pid);
				x->done = 1;
				x->c.result = UPSTARE_RES_NONE;
				ndone++;
				continue;
			}
			if (x->c.ack == x->req) {
				x->done = 1;
				ndone++;
			} else if (x->c.phase == UPSTARE_PH_READY) {
				ready++;
			}
			if (x->c.phase == UPSTARE_PH_IDLE && !x->done &&
			    now_ns() - last > 10000000ull)
				/* nobody picked it up yet: a thread may have missed the kick */
				kick(x);
		}
		if (now_ns() - last > 10000000ull)
			last = now_ns();
		for (int i = 0; i < n; i++)
			failed |= t[i].done && t[i].c.result != UPSTARE_RES_APPLIED;
		if (group && failed) {
			decide(t, n, UPSTARE_DECIDE_ABORT);
		} else if (group && ready == n && !t[0].decided) {
			/* every thread of every process parked: the check barrier */
			for (int i = 0; stacks && i < n; i++)
				read_stacks(&t[i]);
			decide(t, n, UPSTARE_DECIDE_COMMIT);
		}
		if (now_ns() > deadline) {
			for (int i = 0; i < n; i++)
				if (!t[i].done && t[i].c.phase == UPSTARE_PH_IDLE) {
					uint32_t ack = t[i].c.ack;
					int zero = 0;

					/* withdraw the request nobody took */
					rw(t[i].pid, FIELD(t[i].addr, request), &ack, sizeof(ack), 1);
					rw(t[i].pid, t[i].pending, &zero, sizeof(zero), 1);
				}
			decide(t, n, UPSTARE_DECIDE_ABORT);
			report(stdout, json, "timeout", t, n,
			       "not every process answered the request in time");
			goto out;
		}
	}
	for (int i = 0; i < n; i++)
		t[i].c.reasons[sizeof(t[i].c.reasons) - 1] = 0;
	res = group_result(t, n);
	report(stdout, json, res, t, n, NULL);
	ret = strcmp(res, "applied") ? 1 : 0;
out:
	for (int i = 0; t && i < n; i++)
		free(t[i].stacks);
	free(t);
	free(pids);
	return ret;
}
