// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl update: apply a patch to a running process.
 *
 * Drives the protocol of userlib/include/upstare-ctl.h directly: finds the
 * process's control block from its executable's symbol table and
 * /proc/PID/maps, writes the request with process_vm_writev, kicks every
 * thread with the update signal and polls the block until the target has
 * answered.  The target itself loads and checks the patch, enforces the
 * deadline and rolls back; this side only asks and reports.
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

#include "constraints.h"
#include "upstarectl.h"
#include "upstare-ctl.h"

static const char *const result_names[] = {
	[UPSTARE_RES_NONE] = "none",
	[UPSTARE_RES_APPLIED] = "applied",
	[UPSTARE_RES_ROLLED_BACK] = "rolled-back",
	[UPSTARE_RES_REFUSED] = "refused",
	[UPSTARE_RES_TIMEOUT] = "timeout",
	[UPSTARE_RES_RELEASED] = "released",
};

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + t.tv_nsec;
}

/* The control block's symbol value in the executable, and its ELF type. */
static int find_symbol(const char *exe, uint64_t *value, int *is_dyn)
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
			if (n && !strcmp(n, UPSTARE_CONTROL_SYM) && s.st_shndx != SHN_UNDEF) {
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

static int kick(pid_t pid, int sig)
{
	char path[64];
	struct dirent *de;
	DIR *d;
	int n = 0;

	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	d = opendir(path);
	if (!d)
		return -errno;
	while ((de = readdir(d)))
		if (de->d_name[0] != '.' &&
		    !syscall(SYS_tgkill, pid, atoi(de->d_name), sig))
			n++;
	closedir(d);
	return n;
}

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

static long us(const struct upstare_control *c, int a, int b)
{
	if (!c->t_ns[a] || !c->t_ns[b] || c->t_ns[b] < c->t_ns[a])
		return -1;
	return (long)((c->t_ns[b] - c->t_ns[a]) / 1000);
}

static void report(FILE *f, int json, const char *result, const struct upstare_control *c,
		   const char *reasons)
{
	if (!json) {
		fprintf(f, "update %s", result);
		if (c && !strcmp(result, "applied"))
			fprintf(f, ": generation %u, pause %ld us", c->generation,
				us(c, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fputc('\n', f);
		if (reasons && *reasons)
			fprintf(f, "%s\n", reasons);
		return;
	}
	fprintf(f, "{\"result\":\"%s\"", result);
	if (c) {
		fprintf(f, ",\"generation\":%u,\"build_id\":\"%s\",\"threads\":%u,"
			"\"parked\":%u", c->generation, c->build_id, c->nthreads, c->nparked);
		fprintf(f, ",\"pause_us\":%ld", us(c, UPSTARE_T_FIRST_PARK, UPSTARE_T_RESUMED));
		fprintf(f, ",\"phases_us\":{\"prepare\":%ld,\"quiesce\":%ld,\"check\":%ld,"
			"\"transform\":%ld,\"rebuild\":%ld}",
			us(c, UPSTARE_T_REQUEST, UPSTARE_T_PREPARED),
			us(c, UPSTARE_T_PREPARED, UPSTARE_T_ALL_PARKED),
			us(c, UPSTARE_T_ALL_PARKED, UPSTARE_T_CHECKED),
			us(c, UPSTARE_T_CHECKED, UPSTARE_T_TRANSFORMED),
			us(c, UPSTARE_T_TRANSFORMED, UPSTARE_T_RESUMED));
	}
	fputs(",\"reasons\":[", f);
	for (const char *p = reasons ? reasons : ""; *p;) {
		size_t n = strcspn(p, "\n");
		char *line = strndup(p, n);

		if (p != reasons)
			fputc(',', f);
		json_str(f, line);
		free(line);
		p += n + (p[n] == '\n');
	}
	fputs("]}\n", f);
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

/* ------------------------------------------------------------ constraints */

/*
 * An update under a constraint file: each attempt asks the target to stop
 * in UPSTARE_PH_CHECK with every thread parked, evaluates the constraints
 * on the stacks it describes, and either lets the update go on or releases
 * the threads (rebuilt in the old code), then tries again after the retry
 * delay, until the file's deadline (cons_wait()).
 */
struct checked {
	pid_t pid;
	uint64_t addr;
	const char *patch;
	struct cons_file *cf;		/* grows with the automatic constraints */
	uint64_t deadline_ns;
	struct upstare_control c;
	uint32_t req;
	int fatal;			/* the target refused: no point retrying */
	char *text;			/* the stacks of the current attempt */
	struct cons_thread *th;
	struct cons_frame *fr;
	unsigned attempts;
};

static char *field(char **p)
{
	char *f = strsep(p, "\t");

	return f && *f ? f : NULL;
}

static int add_automatic(struct cons_file *cf, const struct cons_frame *f, const char *why);

/* cb.stacks (format in upstare-ctl.h) into SNAP; strings point into k->text. */
static int parse_stacks(struct checked *k, struct cons_snapshot *snap)
{
	size_t nth = 0, nfr = 0, lines = 1;
	char *line, *save = NULL;

	k->text = strndup(k->c.stacks, sizeof(k->c.stacks));
	if (!k->text)
		return -ENOMEM;
	for (const char *p = k->text; *p; p++)
		lines += *p == '\n';
	k->th = calloc(lines, sizeof(*k->th));
	k->fr = calloc(lines, sizeof(*k->fr));
	if (!k->th || !k->fr)
		return -ENOMEM;
	for (line = strtok_r(k->text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *kind = field(&p);

		if (kind && !strcmp(kind, "thread")) {
			struct cons_thread *t = &k->th[nth++];
			char *tid = field(&p);

			t->tid = tid ? atoi(tid) : 0;
			t->role = field(&p);
			t->comm = field(&p);
			t->frames = &k->fr[nfr];
		} else if (kind && !strcmp(kind, "frame") && nth) {
			struct cons_frame *f = &k->fr[nfr++];
			char *ln, *why;
			int err;

			f->function = field(&p);
			f->file = field(&p);
			ln = field(&p);
			f->line = ln ? strtoul(ln, NULL, 10) : 0;
			f->cp_key = field(&p);
			k->th[nth - 1].nframes++;
			why = field(&p);
			if (why && f->function && f->cp_key &&
			    (err = add_automatic(k->cf, f, why)))
				return err;
		} else {
			return -EPROTO;
		}
	}
	snap->threads = k->th;
	snap->nthreads = nth;
	return 0;
}

/*
 * A frame the patch cannot convert: forbid its point, once, as an automatic
 * constraint.  Such points are only known at update time, from the target,
 * which also knows the user's mappings; they stay forbidden on later checks.
 * (cons_wait() keeps no pointer into the rules across a snapshot.)
 */
static int add_automatic(struct cons_file *cf, const struct cons_frame *f, const char *why)
{
	struct cons_unmapped u = { f->function, f->cp_key, f->file, f->line, why };

	for (size_t i = cf->nrules - cf->nauto; i < cf->nrules; i++) {
		const struct cons_place *p = &cf->rules[i].clauses[0].places[0];

		if (!strcmp(p->function, f->function) && !strcmp(p->key, f->cp_key))
			return 0;
	}
	return cons_add_automatic(cf, &u, 1);
}

static void checked_free(struct checked *k)
{
	free(k->text);
	free(k->th);
	free(k->fr);
	k->text = NULL;
	k->th = NULL;
	k->fr = NULL;
}

/* Poll the control block until COND holds (or the process or time is gone). */
#define POLL_UNTIL(k, cond) ({							\
	int __e = 0;								\
	for (uint64_t __last = now_ns();; usleep(500)) {			\
		if (rw((k)->pid, (k)->addr, &(k)->c, sizeof((k)->c), 0)) {	\
			__e = -ESRCH;						\
			break;							\
		}								\
		if (cond)							\
			break;							\
		if (now_ns() > (k)->deadline_ns + 10000000000ull) {		\
			__e = -ETIMEDOUT;					\
			break;							\
		}								\
		if ((k)->c.phase == UPSTARE_PH_IDLE && (k)->c.request != (k)->c.ack && \
		    now_ns() - __last > 10000000ull) {				\
			kick((k)->pid, (k)->c.update_signal);			\
			__last = now_ns();					\
		}								\
	}									\
	__e; })

static int checked_verdict(struct checked *k, uint32_t verdict);

static int checked_snapshot(void *arg, struct cons_snapshot *snap)
{
	struct checked *k = arg;
	uint64_t now = now_ns();
	uint32_t timeout, one = 1, none = UPSTARE_VERDICT_NONE;
	int err;

	err = POLL_UNTIL(k, k->c.phase == UPSTARE_PH_IDLE && k->c.request == k->c.ack);
	if (err)
		return err;
	timeout = now < k->deadline_ns ? (k->deadline_ns - now) / 1000000 : 0;
	timeout = timeout ? timeout : 1;
	if (rw(k->pid, FIELD(k->addr, patch), (void *)k->patch, strlen(k->patch) + 1, 1) ||
	    rw(k->pid, FIELD(k->addr, timeout_ms), &timeout, sizeof(timeout), 1) ||
	    rw(k->pid, FIELD(k->addr, check), &one, sizeof(one), 1) ||
	    rw(k->pid, FIELD(k->addr, verdict), &none, sizeof(none), 1))
		return -EIO;
	k->req = k->c.ack + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rw(k->pid, FIELD(k->addr, request), &k->req, sizeof(k->req), 1))
		return -EIO;
	kick(k->pid, k->c.update_signal);
	k->attempts++;
	err = POLL_UNTIL(k, k->c.ack == k->req ||
			 (k->c.phase == UPSTARE_PH_CHECK && k->c.request == k->req));
	if (err)
		return err;
	if (k->c.ack == k->req) {
		/* over without a check: not every thread parked in time, or refused */
		if (k->c.result == UPSTARE_RES_TIMEOUT)
			return -EAGAIN;
		k->fatal = 1;
		return -EPERM;
	}
	err = parse_stacks(k, snap);
	if (err) {
		/* the target waits for a verdict: let its threads go first */
		checked_verdict(k, UPSTARE_VERDICT_RELEASE);
		k->fatal = 1;
	}
	return err;
}

static int checked_verdict(struct checked *k, uint32_t verdict)
{
	int err;

	if (rw(k->pid, FIELD(k->addr, verdict), &verdict, sizeof(verdict), 1))
		return -ESRCH;
	err = POLL_UNTIL(k, k->c.ack == k->req);
	checked_free(k);
	return err;
}

static void checked_release(void *arg, struct cons_snapshot *snap)
{
	checked_verdict(arg, UPSTARE_VERDICT_RELEASE);
}

static uint64_t checked_now(void *arg)
{
	return now_ns() / 1000;
}

static void checked_sleep(void *arg, uint64_t us)
{
	usleep(us);
}

static int update_checked(pid_t pid, uint64_t addr, const char *patch, struct cons_file *cf,
			  int json, int explain)
{
	struct checked k = { .pid = pid, .addr = addr, .patch = patch, .cf = cf };
	struct cons_driver drv = {
		.arg = &k, .snapshot = checked_snapshot, .release = checked_release,
		.now_us = checked_now, .sleep_us = checked_sleep,
	};
	struct cons_snapshot snap;
	struct cons_result res;
	uint64_t start = now_ns();
	char *reasons = NULL;
	size_t len = 0;
	FILE *f;
	int ret;

	k.deadline_ns = start + cf->timeout_us * 1000;
	ret = cons_wait(cf, &drv, start / 1000, &snap, &res, NULL);
	if (explain)
		cons_explain(cf, json ? stderr : stdout);
	if (ret == 1) {
		if (checked_verdict(&k, UPSTARE_VERDICT_GO)) {
			fprintf(stderr, "upstarectl update: pid %d exited during the update\n", pid);
			return 1;
		}
		k.c.reasons[sizeof(k.c.reasons) - 1] = 0;
		report(stdout, json, k.c.result < sizeof(result_names) / sizeof(result_names[0]) ?
		       result_names[k.c.result] : "none", &k.c, k.c.reasons);
		return k.c.result == UPSTARE_RES_APPLIED ? 0 : 1;
	}
	checked_free(&k);
	if (ret < 0 && !k.fatal && ret != -EAGAIN) {
		fprintf(stderr, "upstarectl update: pid %d: %s\n", pid, strerror(-ret));
		return 1;
	}
	if (ret < 0) {
		k.c.reasons[sizeof(k.c.reasons) - 1] = 0;
		report(stdout, json, k.c.result < sizeof(result_names) / sizeof(result_names[0]) ?
		       result_names[k.c.result] : "none", &k.c, k.c.reasons);
		return 1;
	}
	/* the deadline: the reasons of the last check, or why no check was made */
	f = open_memstream(&reasons, &len);
	if (f) {
		fprintf(f, "the constraints did not hold before the deadline (%u attempt%s)",
			k.attempts, k.attempts == 1 ? "" : "s");
		for (size_t i = 0; i < res.n; i++)
			fprintf(f, "\n%s", res.v[i].reason);
		if (!res.n && k.c.reasons[0])
			fprintf(f, "\n%.*s", (int)sizeof(k.c.reasons), k.c.reasons);
		fclose(f);
	}
	cons_result_free(&res);
	report(stdout, json, "abandoned", NULL, reasons);
	free(reasons);
	return 1;
}

int ctl_update(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "patch", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "constraints", required_argument, NULL, 'c' },
		{ "explain", no_argument, NULL, 'e' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char exe[PATH_MAX], path[64], patch[PATH_MAX], why[PATH_MAX + 256];
	const char *patch_arg = NULL, *cons_arg = NULL;
	struct cons_file *cf = NULL;
	uint32_t zero = 0;
	struct upstare_control c;
	uint64_t sym, base = 0, addr, deadline;
	unsigned timeout = 5000;
	uint32_t req;
	int opt, json = 0, is_dyn, err, explain = 0;
	pid_t pid = 0;
	ssize_t n;

	while ((opt = getopt_long(argc, argv, "p:f:t:jh", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': pid = atoi(optarg); break;
		case 'f': patch_arg = optarg; break;
		case 't': timeout = strtoul(optarg, NULL, 0); break;
		case 'c': cons_arg = optarg; break;
		case 'e': explain = 1; break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: upstarectl update --pid PID --patch FILE [--timeout MS] "
			       "[--constraints FILE [--explain]] [--json]\n");
			return 0;
		default:
			return 2;
		}
	}
	if (pid <= 0 || !patch_arg || (explain && !cons_arg)) {
		fprintf(stderr, "upstarectl update: --pid PID and --patch FILE are required "
			"(and --constraints FILE with --explain)\n");
		return 2;
	}
	if (cons_arg) {
		/* an invalid file starts nothing */
		struct cons_diags d = { 0 };

		cf = cons_parse_file(cons_arg, &d);
		if (!cf) {
			cons_diags_print(&d, stderr);
			cons_diags_free(&d);
			return 2;
		}
		cons_diags_free(&d);
	}
	if (!realpath(patch_arg, patch)) {
		snprintf(why, sizeof(why), "patch %s: %s", patch_arg, strerror(errno));
		report(stdout, json, "refused", NULL, why);
		return 1;
	}
	if (check_patch(patch, why, sizeof(why))) {
		report(stdout, json, "refused", NULL, why);
		return 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0) {
		fprintf(stderr, "upstarectl update: pid %d: %s\n", pid, strerror(errno));
		return 1;
	}
	exe[n] = 0;
	err = find_symbol(path, &sym, &is_dyn);
	if (err) {
		fprintf(stderr, "upstarectl update: pid %d (%s): no %s symbol: not built with "
			"upstare-cc\n", pid, exe, UPSTARE_CONTROL_SYM);
		return 1;
	}
	if (is_dyn && load_base(pid, exe, &base)) {
		fprintf(stderr, "upstarectl update: pid %d: %s is not mapped\n", pid, exe);
		return 1;
	}
	addr = base + sym;
	err = rw(pid, addr, &c, sizeof(c), 0);
	if (err || c.magic != UPSTARE_CONTROL_MAGIC || c.version != UPSTARE_CONTROL_VERSION ||
	    c.size != sizeof(c)) {
		fprintf(stderr, "upstarectl update: pid %d: %s\n", pid,
			err ? strerror(-err) : "control block of another runtime version");
		return 1;
	}
	if (cf) {
		err = update_checked(pid, addr, patch, cf, json, explain);
		cons_free(cf);
		return err;
	}
	deadline = now_ns() + timeout * 1000000ull;
	while (c.phase != UPSTARE_PH_IDLE || c.request != c.ack) {
		if (now_ns() > deadline) {
			report(stdout, json, "timeout", NULL, "another update is in progress");
			return 1;
		}
		usleep(1000);
		if (rw(pid, addr, &c, sizeof(c), 0))
			return 1;
	}
	if (rw(pid, FIELD(addr, patch), patch, strlen(patch) + 1, 1) ||
	    rw(pid, FIELD(addr, timeout_ms), &timeout, sizeof(timeout), 1) ||
	    rw(pid, FIELD(addr, check), &zero, sizeof(zero), 1)) {
		fprintf(stderr, "upstarectl update: pid %d: cannot write the request\n", pid);
		return 1;
	}
	req = c.ack + 1;
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	if (rw(pid, FIELD(addr, request), &req, sizeof(req), 1))
		return 1;
	kick(pid, c.update_signal);
	/* the target enforces the deadline; give it time to roll back */
	deadline = now_ns() + (timeout + 10000) * 1000000ull;
	for (uint64_t last = now_ns();; usleep(500)) {
		if (rw(pid, addr, &c, sizeof(c), 0)) {
			fprintf(stderr, "upstarectl update: pid %d exited during the update\n", pid);
			return 1;
		}
		if (c.ack == req)
			break;
		if (c.phase == UPSTARE_PH_IDLE && now_ns() - last > 10000000ull) {
			/* nobody picked it up yet: a thread may have missed the kick */
			kick(pid, c.update_signal);
			last = now_ns();
		}
		if (now_ns() > deadline && c.phase == UPSTARE_PH_IDLE) {
			uint32_t ack = c.ack;

			rw(pid, FIELD(addr, request), &ack, sizeof(ack), 1);
			report(stdout, json, "timeout", NULL,
			       "no thread of the process reached an update point");
			return 1;
		}
	}
	c.reasons[sizeof(c.reasons) - 1] = 0;
	report(stdout, json, c.result < sizeof(result_names) / sizeof(result_names[0]) ?
	       result_names[c.result] : "none", &c, c.reasons);
	return c.result == UPSTARE_RES_APPLIED ? 0 : 1;
}
