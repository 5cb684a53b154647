// SPDX-License-Identifier: GPL-2.0
/*
 * A target process's runtime: its control block and the runtime's other
 * symbols found from the executable's symbol table and /proc/PID/maps,
 * read and written through /proc/PID/mem.  The update driver and the
 * readiness view both come here, so that a control block is found one way
 * and checked one way (magic, version and size) wherever it is read.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "elfread.h"
#include "target.h"
#include "upstare-ctl.h"

int target_open_mem(pid_t pid, int flags)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/mem", pid);
	return open(path, flags | O_CLOEXEC);
}

/* The value of symbol name in the executable, and its ELF type. */
static int find_symbol(const char *exe, const char *sym, uint64_t *value, int *is_dyn)
{
	int fd, err = -ENOEXEC;
	Elf *e = elf_open(exe, &fd);
	GElf_Ehdr eh;
	GElf_Sym s;

	if (fd < 0)
		return -errno;
	if (e && gelf_getehdr(e, &eh)) {
		*is_dyn = eh.e_type == ET_DYN;
		err = -ENOENT;
		if (elf_symbol(e, sym, -1, &s)) {
			*value = s.st_value;
			err = 0;
		}
	}
	elf_close(e, fd);
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

int target_locate(pid_t pid, struct target_syms *s, char *why, size_t n)
{
	char exe[PATH_MAX], path[64];
	uint64_t sym, base = 0;
	int is_dyn;
	ssize_t len;

	why[0] = 0;
	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	len = readlink(path, exe, sizeof(exe) - 1);
	if (len < 0) {
		snprintf(why, n, "pid %d: %s", pid, strerror(errno));
		return -1;
	}
	exe[len] = 0;
	if (find_symbol(path, UPSTARE_CONTROL_SYM, &sym, &is_dyn)) {
		snprintf(why, n, "pid %d (%s): no %s symbol: not built with upstare-cc", pid, exe,
			 UPSTARE_CONTROL_SYM);
		return -1;
	}
	if (is_dyn && load_base(pid, exe, &base)) {
		snprintf(why, n, "pid %d: %s is not mapped", pid, exe);
		return -1;
	}
	s->control = base + sym;
	if (find_symbol(path, UPSTARE_THREADS_SYM, &sym, &is_dyn))
		return -1;
	s->threads = base + sym;
	if (find_symbol(path, UPSTARE_PENDING_SYM, &sym, &is_dyn))
		return -1;
	s->pending = base + sym;
	return 0;
}

/*
 * Through a /proc/PID/mem opened before anything else is read: the file
 * holds the address space the process had then, so once the process
 * exits (its pid free for another) or execs another program, every access
 * fails, and nothing is ever written into a process other than the one
 * checked.
 */
int target_rw(int memfd, uint64_t addr, void *buf, size_t n, int write)
{
	ssize_t r;

	if (addr > (uint64_t)INT64_MAX)
		return -EFAULT;
	r = write ? pwrite(memfd, buf, n, (off_t)addr) : pread(memfd, buf, n, (off_t)addr);
	return r == (ssize_t)n ? 0 : -(r < 0 ? errno : ESRCH);
}

int target_read_control(int memfd, uint64_t addr, struct upstare_control *c, size_t len)
{
	int err = target_rw(memfd, addr, c, len, 0);

	if (err)
		return err;
	if (c->magic != UPSTARE_CONTROL_MAGIC || c->version != UPSTARE_CONTROL_VERSION ||
	    c->size != sizeof(*c))
		return -EPROTO;
	return 0;
}

char *target_proc_stat(pid_t pid, char *buf, size_t n)
{
	char path[64], *p;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", pid);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	p = fgets(buf, n, f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	return p && p[1] == ' ' ? p + 2 : NULL;
}

int target_tree(pid_t root, bool tree, pid_t **pids, pid_t **parents)
{
	pid_t *all = NULL, *allp = NULL, *v = malloc(sizeof(*v)), *pv = malloc(sizeof(*pv));
	size_t nall = 0, cap = 0;
	int n = 1;
	DIR *d = tree ? opendir("/proc") : NULL;
	struct dirent *de;

	if (!v || !pv)
		abort();
	v[0] = root;
	pv[0] = 0;
	/* every process and its parent, read once */
	while (d && (de = readdir(d))) {
		char buf[512], *p;
		pid_t pid = atoi(de->d_name), ppid;

		if (pid <= 0)
			continue;
		p = target_proc_stat(pid, buf, sizeof(buf));
		if (!p || sscanf(p, "%*c %d", &ppid) != 1)
			continue;
		if (nall == cap) {
			cap = cap ? 2 * cap : 256;
			all = realloc(all, cap * sizeof(*all));
			allp = realloc(allp, cap * sizeof(*allp));
			if (!all || !allp)
				abort();
		}
		all[nall] = pid;
		allp[nall++] = ppid;
	}
	if (d)
		closedir(d);
	/*
	 * Breadth first from root: parents before their children.  /proc is
	 * not read at one instant: a pid reused meanwhile can make a parent
	 * cycle, so each process is taken once (and root never again).
	 */
	for (int i = 0; i < n; i++)
		for (size_t j = 0; j < nall; j++) {
			bool seen = false;

			if (allp[j] != v[i])
				continue;
			for (int k = 0; k < n && !seen; k++)
				seen = v[k] == all[j];
			if (seen)
				continue;
			v = realloc(v, (n + 1) * sizeof(*v));
			pv = realloc(pv, (n + 1) * sizeof(*pv));
			if (!v || !pv)
				abort();
			v[n] = all[j];
			pv[n++] = allp[j];
		}
	free(all);
	free(allp);
	*pids = v;
	if (parents)
		*parents = pv;
	else
		free(pv);
	return n;
}
