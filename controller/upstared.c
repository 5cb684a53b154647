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
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>

#include "client.h"
#include "update.h"
#include "upstared.h"

struct upstared upd = { .kick_sig = UPSTARE_DEFAULT_KICK_SIGNAL };

void logmsg(const char *fmt, ...)
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
	if (level == LIBBPF_DEBUG && !upd.verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
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
	epoll_ctl(upd.epfd, EPOLL_CTL_DEL, c->fd, NULL);
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
		.data.u32 = (uint32_t)(c - upd.clients) + 3,
	};

	epoll_ctl(upd.epfd, EPOLL_CTL_MOD, c->fd, &ev);
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
		if (!upd.workers[i].pid && slot < 0)
			slot = i;
		busy += upd.workers[i].pid != 0;
		mine += upd.workers[i].pid && upd.workers[i].uid == c->cred.uid;
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
		close(upd.lfd);
		close(upd.epfd);
		close(upd.sfd);
		for (int i = 0; i < MAX_CLIENTS; i++)
			if (upd.clients[i].fd >= 0 && &upd.clients[i] != c)
				close(upd.clients[i].fd);
		sigprocmask(SIG_UNBLOCK, &upd.sigs, NULL);
		fl = fcntl(c->fd, F_GETFL);
		fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
		upd.peer = c;
		handle_request(&b, line);
		jb_raw(&b, "\n");
		write_all(c->fd, b.s, b.len);
		_exit(0);
	}
	upd.workers[slot].pid = pid;
	upd.workers[slot].uid = c->cred.uid;
	if (upd.verbose)
		logmsg("update worker %d for a client of uid %u", pid, c->cred.uid);
}

/* Reap the workers that are done. */
static void reap_workers(void)
{
	pid_t pid;

	while ((pid = waitpid(-1, NULL, WNOHANG)) > 0)
		for (int i = 0; i < MAX_WORKERS; i++)
			if (upd.workers[i].pid == pid)
				upd.workers[i].pid = 0;
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
		upd.peer = c;
		handle_request(&b, c->buf);
		upd.peer = NULL;
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
		struct client *c = &upd.clients[i];
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
	if (!upd.have_group)
		return false;
	if (cr->gid == upd.gid)
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
			if ((gid_t)strtoul(tok, NULL, 10) == upd.gid)
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

	fd = accept4(upd.lfd, NULL, NULL, SOCK_CLOEXEC);
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
			used += upd.clients[i].fd >= 0;
			mine += upd.clients[i].fd >= 0 && upd.clients[i].cred.uid == cr.uid;
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
	for (i = 0; i < MAX_CLIENTS && upd.clients[i].fd >= 0; i++)
		;
	if (peer_groups(fd, &upd.clients[i])) {
		close(fd);
		return;
	}
	upd.clients[i].cred = cr;
	upd.clients[i].active_ns = now_ns();
	upd.clients[i].fd = fd;
	ev.data.u32 = i + 3;
	epoll_ctl(upd.epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int listen_socket(void)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	char dir[sizeof(addr.sun_path)], *slash;
	mode_t old;
	int fd, err;

	if (strlen(upd.sock_path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, upd.sock_path);
	strcpy(dir, upd.sock_path);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = 0;
		mkdir(dir, 0755);
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(upd.sock_path);
	/* Never let the socket exist with a wider mode than intended. */
	old = umask(0177);
	err = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (err)
		goto err_close;
	if (upd.have_group && (chown(upd.sock_path, 0, upd.gid) || chmod(upd.sock_path, 0660)))
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

	upd.sock_path = getenv("UPSTARE_SOCKET") ?: UPSTARE_DEFAULT_SOCKET;
	upd.uid_procs = US_UID_PROCS_DEFAULT;
	while ((c = getopt_long(argc, argv, "s:g:k:u:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			upd.sock_path = optarg;
			break;
		case 'g':
			gr = getgrnam(optarg);
			if (!gr) {
				fprintf(stderr, "upstared: --group %s: no such group\n", optarg);
				return -1;
			}
			upd.gid = gr->gr_gid;
			upd.have_group = true;
			break;
		case 'k':
			upd.kick_sig = atoi(optarg);
			if (upd.kick_sig < SIGRTMIN || upd.kick_sig > SIGRTMAX) {
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
			upd.uid_procs = n;
			break;
		}
		case 'v':
			upd.verbose = true;
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
		upd.clients[i].fd = -1;
	libbpf_set_print(libbpf_log);
	if (geteuid()) {
		logmsg("must run as root (loads BPF programs)");
		return 1;
	}
	upd.ngroups = getgroups(0, NULL);
	upd.groups = calloc(upd.ngroups + 1, sizeof(gid_t));
	if (upd.ngroups < 0 || !upd.groups || getgroups(upd.ngroups, upd.groups) < 0) {
		logmsg("getgroups: %s", strerror(errno));
		return 1;
	}
	err = obs_open(&upd.obs, on_event, NULL, upd.uid_procs);
	if (err) {
		logmsg("cannot load the BPF programs: %s", strerror(-err));
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	upd.sigs = mask;
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	upd.sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	upd.lfd = listen_socket();
	if (upd.lfd < 0) {
		logmsg("%s: %s", upd.sock_path, strerror(-upd.lfd));
		err = 1;
		goto cleanup;
	}
	upd.epfd = epoll_create1(EPOLL_CLOEXEC);
	ev.data.u32 = 0;
	epoll_ctl(upd.epfd, EPOLL_CTL_ADD, upd.lfd, &ev);
	ev.data.u32 = 1;
	epoll_ctl(upd.epfd, EPOLL_CTL_ADD, obs_events_fd(upd.obs), &ev);
	ev.data.u32 = 2;
	epoll_ctl(upd.epfd, EPOLL_CTL_ADD, upd.sfd, &ev);
	logmsg("listening on %s (kick signal %d)", upd.sock_path, upd.kick_sig);
	while (running) {
		struct epoll_event evs[16];
		int n = epoll_wait(upd.epfd, evs, 16, 1000);

		clients_expire();
		if (n < 0 && errno == EINTR)
			continue;
		for (i = 0; i < n; i++) {
			__u32 id = evs[i].data.u32;

			if (id == 0) {
				accept_client();
			} else if (id == 1) {
				obs_poll_events(upd.obs);
			} else if (id == 2) {
				struct signalfd_siginfo si;

				if (read(upd.sfd, &si, sizeof(si)) != sizeof(si) ||
				    si.ssi_signo == SIGHUP)
					continue;
				if (si.ssi_signo == SIGCHLD) {
					reap_workers();
					continue;
				}
				logmsg("signal %d: detaching and exiting", si.ssi_signo);
				running = false;
			} else if (upd.clients[id - 3].fd >= 0) {
				if (evs[i].events & EPOLLOUT)
					client_write(&upd.clients[id - 3]);
				else
					client_read(&upd.clients[id - 3]);
			}
		}
	}
	err = 0;
cleanup:
	for (i = 0; i < MAX_CLIENTS; i++)
		if (upd.clients[i].fd >= 0)
			client_close(&upd.clients[i]);
	free(upd.groups);
	if (upd.lfd >= 0) {
		close(upd.lfd);
		unlink(upd.sock_path);
	}
	obs_close(upd.obs);
	return err;
}
