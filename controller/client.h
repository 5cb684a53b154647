/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The upstared protocol, client side: one JSON object per line each way.
 * Every request has "cmd"; every reply has "ok" and, when false, "error".
 */
#ifndef UPSTARE_CLIENT_H
#define UPSTARE_CLIENT_H

#include "json.h"

#define UPSTARE_DEFAULT_SOCKET		"/run/upstare/upstared.sock"
#define UPSTARE_PROTOCOL		1
/* SIGRTMIN+6 with glibc (34 + 6): the runtime keeps it unblocked. */
#define UPSTARE_DEFAULT_KICK_SIGNAL	40

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

#endif
