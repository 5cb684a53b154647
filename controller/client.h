/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The upstared protocol, client side: one JSON object per line each way.
 * Every request has "cmd"; every reply has "ok" and, when false, "error".
 */
#ifndef UPSTARE_CLIENT_H
#define UPSTARE_CLIENT_H

#include <stdbool.h>
#include <stdio.h>

#include "json.h"

#define UPSTARE_DEFAULT_SOCKET		"/run/upstare/upstared.sock"
#define UPSTARE_PROTOCOL		2	/* 2: "update" takes a "request" object */
/*
 * SIGRTMIN+2 with glibc (34 + 2): the runtime's update signal
 * (userlib/registry.c), installed without SA_RESTART and kept unblocked.
 */
#define UPSTARE_DEFAULT_KICK_SIGNAL	36

/* $UPSTARE_SOCKET or the default. */
const char *client_socket_path(void);
/* Connect; -errno on failure. */
int client_connect(const char *path);
/*
 * Send one request line, return the parsed reply (NULL with *err set on a
 * transport or parse failure; a reply with "ok":false is returned as is).
 */
struct json *client_request(int fd, const char *request, char *err, size_t errlen);
/* Connect, request, close; prints transport errors to stderr as "prog: ...". */
struct json *client_call(const char *prog, const char *request);
/*
 * A command-line number: s, decimal, in [min, max] into *out; else false,
 * with "prog: OPT: 's' is not a number from min to max" on err.
 */
bool client_number(FILE *err, const char *prog, const char *opt, const char *s, long min,
		   long max, long *out);

#endif
