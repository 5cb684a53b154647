/* SPDX-License-Identifier: GPL-2.0 */
/*
 * upstared's own files share this: the daemon's state and the calls
 * between them.  upstared.c: the loop, the socket, the clients and the
 * update workers; upstared_registry.c: the registry of target processes
 * and the BPF lifecycle events that feed it; upstared_requests.c: what
 * each request does, who may make it, and the update's hooks.
 */
#ifndef UPSTARE_UPSTARED_H
#define UPSTARE_UPSTARED_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <linux/types.h>

#include "bpfobs.h"
#include "json.h"

struct update_req;

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

struct upstared {
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
};

extern struct upstared upd;

/* upstared.c */
void logmsg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long long now_ns(void);

/* upstared_registry.c */
void proc_comm(__u32 pid, char *buf, size_t len);
long proc_tgid(__u32 pid);		/* pid's process, or -1 */
bool proc_instrumented(__u32 pid);	/* its executable has .upstare */
/* The real, effective and saved uids and gids of pid, and its files' owner. */
int proc_ids(__u32 pid, unsigned long uid[3], unsigned long gid[3], uid_t *owner);
/* Register pid (forked from parent, or 0), counted against its real uid. */
int register_proc(__u32 pid, __u32 parent, int kick_sig);
/* Why register_proc() failed, in words (a static buffer). */
const char *reg_strerror(int err);
/* The lifecycle ring buffer's callback. */
void on_event(void *ctx, const struct us_event *e);

/* upstared_requests.c */
void reply_error(struct jbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Parse an update request into r: 0, or -1 with the error replied in b. */
int update_request(struct jbuf *b, const struct json *req, struct update_req *r);
/* Answer one request line (JSON) into out, as the peer upd.peer. */
void handle_request(struct jbuf *out, const char *line);

#endif
