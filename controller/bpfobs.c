// SPDX-License-Identifier: GPL-2.0
/*
 * Loading and driving the BPF programs (open → load → attach, one cleanup
 * path).  The three objects share two maps: window and snapshot reuse the
 * procs map of lifecycle, snapshot reuses the thread_state storage of
 * window, so every program sees one registry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpfobs.h"
#include "lifecycle.skel.h"
#include "window.skel.h"
#include "snapshot.skel.h"

struct obs {
	struct lifecycle_bpf *life;
	struct window_bpf *win;
	struct snapshot_bpf *snap;
	struct ring_buffer *rb;
	struct bpf_link *sys_enter, *sched_switch;
	__u32 windows[US_MAX_PROCS];	/* pids with a window open */
	int nwindows;
	__u32 last_gen;
	obs_event_fn fn;
	void *ctx;
};

static int on_event(void *ctx, void *data, size_t len)
{
	struct obs *o = ctx;

	if (len >= sizeof(struct us_event))
		o->fn(o->ctx, data);
	return 0;
}

int obs_open(struct obs **out, obs_event_fn fn, void *ctx, unsigned uid_procs)
{
	struct obs *o = calloc(1, sizeof(*o));
	int err;

	if (!o)
		return -ENOMEM;
	o->fn = fn;
	o->ctx = ctx;
	o->life = lifecycle_bpf__open();
	if (!o->life) {
		err = -errno;
		goto cleanup;
	}
	o->life->rodata->uid_procs = uid_procs;
	err = lifecycle_bpf__load(o->life);
	if (err)
		goto cleanup;
	o->win = window_bpf__open();
	if (!o->win) {
		err = -errno;
		goto cleanup;
	}
	err = bpf_map__reuse_fd(o->win->maps.procs, bpf_map__fd(o->life->maps.procs));
	if (err)
		goto cleanup;
	err = window_bpf__load(o->win);
	if (err)
		goto cleanup;
	o->snap = snapshot_bpf__open();
	if (!o->snap) {
		err = -errno;
		goto cleanup;
	}
	err = bpf_map__reuse_fd(o->snap->maps.thread_state,
				bpf_map__fd(o->win->maps.thread_state));
	if (err)
		goto cleanup;
	err = snapshot_bpf__load(o->snap);
	if (err)
		goto cleanup;
	err = lifecycle_bpf__attach(o->life);
	if (err)
		goto cleanup;
	o->rb = ring_buffer__new(bpf_map__fd(o->life->maps.events), on_event, o, NULL);
	if (!o->rb) {
		err = -errno;
		goto cleanup;
	}
	*out = o;
	return 0;
cleanup:
	obs_close(o);
	return err < 0 ? err : -EINVAL;
}

void obs_close(struct obs *o)
{
	if (!o)
		return;
	ring_buffer__free(o->rb);
	bpf_link__destroy(o->sys_enter);
	bpf_link__destroy(o->sched_switch);
	snapshot_bpf__destroy(o->snap);
	window_bpf__destroy(o->win);
	lifecycle_bpf__destroy(o->life);
	free(o);
}

int obs_events_fd(struct obs *o)
{
	return ring_buffer__epoll_fd(o->rb);
}

int obs_poll_events(struct obs *o)
{
	int n = ring_buffer__consume(o->rb);

	return n < 0 ? n : 0;
}

static int procs_fd(struct obs *o)
{
	return bpf_map__fd(o->life->maps.procs);
}

/* Run syscall program prog on r: r->err, or the failure to run it. */
static int run_reg(struct bpf_program *prog, struct us_reg *r)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = r, .ctx_size_in = sizeof(*r));

	if (bpf_prog_test_run_opts(bpf_program__fd(prog), &opts))
		return -errno;
	return r->err;
}

int obs_register(struct obs *o, __u32 pid, __u32 parent, int kick_sig, __u32 uid)
{
	struct us_reg r = { .pid = pid, .parent = parent, .kick_sig = kick_sig, .uid = uid };

	return run_reg(o->life->progs.us_register, &r);
}

int obs_unregister(struct obs *o, __u32 pid)
{
	struct us_reg r = { .pid = pid };
	struct us_proc p;

	if (!obs_lookup(o, pid, &p) && p.kick_gen)
		obs_window_close(o, pid);
	return run_reg(o->life->progs.us_unregister, &r);
}

unsigned obs_uid_procs(struct obs *o)
{
	return o->life->rodata->uid_procs;
}

int obs_lookup(struct obs *o, __u32 pid, struct us_proc *p)
{
	if (bpf_map_lookup_elem(procs_fd(o), &pid, p))
		return -errno;
	return 0;
}

int obs_list(struct obs *o, __u32 *pids, int max)
{
	__u32 key, next;
	int n = 0, err;

	err = bpf_map_get_next_key(procs_fd(o), NULL, &next);
	while (!err && n < max) {
		pids[n++] = next;
		key = next;
		err = bpf_map_get_next_key(procs_fd(o), &key, &next);
	}
	return n;
}

/* Run an iterator program bound to pid's threads; returns its output. */
static ssize_t run_iter(struct bpf_program *prog, __u32 pid, char **out)
{
	union bpf_iter_link_info linfo = {};
	LIBBPF_OPTS(bpf_iter_attach_opts, opts, .link_info = &linfo,
		    .link_info_len = sizeof(linfo));
	size_t len = 0, cap = 0;
	struct bpf_link *link;
	ssize_t n, ret;
	char *buf = NULL;
	int fd;

	linfo.task.pid = pid;
	link = bpf_program__attach_iter(prog, &opts);
	if (!link)
		return -errno;
	fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0) {
		ret = -errno;
		goto err_link;
	}
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = realloc(buf, cap);
		}
		n = read(fd, buf + len, cap - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			free(buf);
			goto err_fd;
		}
		if (!n)
			break;
		len += n;
	}
	*out = buf;
	ret = len;
err_fd:
	close(fd);
err_link:
	bpf_link__destroy(link);
	return ret;
}

int obs_snapshot(struct obs *o, __u32 pid, struct us_thread_rec **recs)
{
	char *buf = NULL;
	ssize_t len = run_iter(o->snap->progs.us_snapshot, pid, &buf);

	if (len < 0)
		return len;
	if (!len) {
		free(buf);
		*recs = NULL;
		return -ESRCH;
	}
	*recs = (struct us_thread_rec *)buf;
	return len / sizeof(struct us_thread_rec);
}

static int window_attach(struct obs *o)
{
	if (o->sys_enter)
		return 0;
	o->sys_enter = bpf_program__attach(o->win->progs.us_sys_enter);
	if (!o->sys_enter)
		return -errno;
	o->sched_switch = bpf_program__attach(o->win->progs.us_switch);
	if (!o->sched_switch) {
		int err = -errno;

		bpf_link__destroy(o->sys_enter);
		o->sys_enter = NULL;
		return err;
	}
	return 0;
}

static void window_detach(struct obs *o)
{
	bpf_link__destroy(o->sys_enter);
	bpf_link__destroy(o->sched_switch);
	o->sys_enter = o->sched_switch = NULL;
}

bool obs_window_attached(struct obs *o)
{
	return o->sys_enter != NULL;
}

/* pid's window is over: detach the window programs after the last one. */
static void window_forget(struct obs *o, __u32 pid)
{
	int i;

	for (i = 0; i < o->nwindows; i++) {
		if (o->windows[i] == pid) {
			o->windows[i] = o->windows[--o->nwindows];
			break;
		}
	}
	if (!o->nwindows)
		window_detach(o);
}

int obs_window_open(struct obs *o, __u32 pid)
{
	return obs_window_open_gated(o, pid, 0, 0);
}

int obs_window_open_gated(struct obs *o, __u32 pid, __u64 slots_addr, __u32 nslots)
{
	struct us_proc p;
	char *out = NULL;
	ssize_t n;
	int err;

	err = obs_lookup(o, pid, &p);
	if (err)
		return err;
	err = window_attach(o);
	if (err)
		return err;
	if (!p.kick_gen && o->nwindows < US_MAX_PROCS)
		o->windows[o->nwindows++] = pid;
	/*
	 * Generations never repeat while the maps live (0 means "no window"),
	 * so a thread kicked in an earlier window is kicked again.
	 */
	p.kick_gen = ++o->last_gen;
	p.slots_addr = slots_addr;
	p.nslots = nslots;
	if (bpf_map_update_elem(procs_fd(o), &pid, &p, BPF_EXIST))
		return -errno;
	if (slots_addr)		/* gated: the caller kicks from the runtime's table */
		return p.kick_gen;
	n = run_iter(o->win->progs.us_kick, pid, &out);
	free(out);
	if (n < 0)
		return n;
	return p.kick_gen;
}

int obs_window_close(struct obs *o, __u32 pid)
{
	struct us_proc p;
	int err = obs_lookup(o, pid, &p);

	if (err)
		return err;
	if (!p.kick_gen)
		return -ENOENT;
	p.kick_gen = 0;
	p.slots_addr = 0;
	p.nslots = 0;
	if (bpf_map_update_elem(procs_fd(o), &pid, &p, BPF_EXIST))
		return -errno;
	window_forget(o, pid);
	return 0;
}

void obs_process_gone(struct obs *o, __u32 pid)
{
	window_forget(o, pid);
}
