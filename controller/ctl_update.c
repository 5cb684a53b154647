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
		fprintf(f, ",\"phases_us\":{\"prepare\":%ld,\"quiesce\":%ld,\"transform\":%ld,"
			"\"rebuild\":%ld}", us(c, UPSTARE_T_REQUEST, UPSTARE_T_PREPARED),
			us(c, UPSTARE_T_PREPARED, UPSTARE_T_ALL_PARKED),
			us(c, UPSTARE_T_ALL_PARKED, UPSTARE_T_TRANSFORMED),
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

int ctl_update(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "patch", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char exe[PATH_MAX], path[64], patch[PATH_MAX], why[PATH_MAX + 256];
	const char *patch_arg = NULL;
	struct upstare_control c;
	uint64_t sym, base = 0, addr, deadline;
	unsigned timeout = 5000;
	uint32_t req;
	int opt, json = 0, is_dyn, err;
	pid_t pid = 0;
	ssize_t n;

	while ((opt = getopt_long(argc, argv, "p:f:t:jh", lo, NULL)) != -1) {
		switch (opt) {
		case 'p': pid = atoi(optarg); break;
		case 'f': patch_arg = optarg; break;
		case 't': timeout = strtoul(optarg, NULL, 0); break;
		case 'j': json = 1; break;
		case 'h':
			printf("usage: upstarectl update --pid PID --patch FILE [--timeout MS] "
			       "[--json]\n");
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
	    rw(pid, FIELD(addr, timeout_ms), &timeout, sizeof(timeout), 1)) {
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
