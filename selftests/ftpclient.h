/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small FTP client for the tests that drive a real FTP server
 * (the real/vsftpd* cases): a control connection that writes a
 * transcript of what it sends and receives, passive-mode data connections,
 * and the text of the last reply.
 */
#ifndef UPSTARE_FTPCLIENT_H
#define UPSTARE_FTPCLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Send and receive time-outs of every connection the client opens. */
#define FTP_IO_TIMEOUT_S 10

struct ftp {
	int fd;			/* the control connection, or -1 */
	char buf[4096];		/* received, not yet read as lines */
	size_t len;
	FILE *log;		/* the transcript */
	int pasv_port;		/* from the last 227 reply */
	char reply[4096];	/* the last reply, one line per line, LF-terminated */
};

/* Start a session on a connected socket (or a -errno from loopback_connect()). */
int ftp_open(struct ftp *c, int fd, FILE *log);
void ftp_close(struct ftp *c);
/* Read a reply, multi-line ones included; its code, or -1. */
int ftp_reply(struct ftp *c);
/* Send a command and read its reply: the reply's code, or -1. */
int ftp_cmd(struct ftp *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * PASV, connect to the port it gives, send CMD.  Returns CMD's reply code;
 * when it is 125 or 150, *dfd is the data connection, for the caller to
 * read and close, and the final reply is the caller's to read; otherwise
 * *dfd is -1.
 */
int ftp_data_start(struct ftp *c, int *dfd, const char *cmd);
/*
 * A command with a passive data connection (RETR, LIST, NLST).  The data is
 * returned in *data; the transcript records its size, and its text for
 * listings.  Returns the final reply code.
 */
int ftp_data_cmd(struct ftp *c, bool listing, char **data, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* Test assertions on a session, named by LABEL. */
bool ftp_login(struct ftp *c, const char *label);	/* anonymous */
/* Did a download get WANT, byte for byte?  If not, where does it differ. */
bool ftp_same_bytes(const char *what, const char *got, size_t got_len, const char *want,
		    size_t want_len);
/* RETR FILE (in the current TYPE) gives 226 and WANT. */
bool ftp_retr_check(struct ftp *c, const char *label, const char *file, const char *want,
		    size_t want_len);

#endif
