// SPDX-License-Identifier: GPL-2.0
/*
 * upstarectl update: apply a patch to a running process.
 *
 * The options into a struct update_req (update_parse()), sent to upstared
 * when its socket answers (via_daemon()), else, or with --direct, run here
 * by the update driver (update_exec(), update.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client.h"
#include "json.h"
#include "update.h"
#include "upstarectl.h"

/*
 * upstarectl update's arguments (argv[0] is "update") into r: 0; 1 after
 * --help (printed on out); 2 on a usage error (said on err).  r's strings
 * point into argv; update_req_free() frees what r holds.
 */
static int update_parse(int argc, char **argv, struct update_req *r, FILE *out, FILE *err)
{
	static const struct option lo[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "patch", required_argument, NULL, 'f' },
		{ "timeout", required_argument, NULL, 't' },
		{ "tree", no_argument, NULL, 'T' },
		{ "constraints", required_argument, NULL, 'c' },
		{ "explain", no_argument, NULL, 'e' },
		{ "stacks", no_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'H' },
		{ "depth", required_argument, NULL, 'd' },
		{ "direct", no_argument, NULL, 'D' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	long num;
	int opt;

	*r = (struct update_req){ .timeout_ms = 5000 };
	optind = 0;
	while ((opt = getopt_long(argc, argv, "p:f:t:Tc:eSH:d:Djh", lo, NULL)) != -1) {
		switch (opt) {
		case 'p':
			if (!client_number(err, "upstarectl update", "--pid", optarg, 1, INT_MAX,
					   &num))
				goto usage_err;
			r->pid = num;
			break;
		case 'f': r->patch = optarg; break;
		case 't':
			if (!client_number(err, "upstarectl update", "--timeout", optarg, 1,
					   UPDATE_TIMEOUT_MAX_MS, &num))
				goto usage_err;
			r->timeout_ms = num;
			break;
		case 'T': r->tree = true; break;
		case 'c': r->constraints = optarg; break;
		case 'e': r->explain = true; break;
		case 'S': r->stacks = true; break;
		case 'H':
			for (char *p = optarg, *nm; (nm = strsep(&p, ","));) {
				char **v;

				if (!*nm)
					continue;
				v = realloc(r->threads, (r->nthreads + 1) * sizeof(*v));
				if (!v)
					goto usage_err;
				r->threads = v;
				r->threads[r->nthreads++] = nm;
			}
			if (!r->nthreads) {
				fprintf(err, "upstarectl update: --threads needs thread ids or "
					"names, separated by commas\n");
				goto usage_err;
			}
			break;
		case 'd':
			r->depth = strtoul(optarg, &end, 10);
			if (*end || !r->depth) {
				fprintf(err, "upstarectl update: --depth needs a number of "
					"frames, at least 1\n");
				goto usage_err;
			}
			break;
		case 'D': break;	/* how upstarectl chose the path */
		case 'j': r->json = true; break;
		case 'h':
			fprintf(out, "usage: upstarectl update --pid PID --patch FILE "
				"[--timeout MS] [--tree] [--constraints FILE [--explain]] "
				"[--stacks] [--threads LIST] [--depth N] [--direct] "
				"[--json]\n"
				"Goes through upstared when it runs (its socket answers), "
				"which starts\nthe update only once every thread is ready; "
				"else, or with --direct,\ndrives the target's control block "
				"itself.\n");
			update_req_free(r);
			return 1;
		default:
			goto usage_err;
		}
	}
	if (update_check(r, err))
		goto usage_err;
	return 0;
usage_err:
	update_req_free(r);
	return 2;
}

/* update_parse() and update_exec(): upstarectl update --direct. */
static int update_run(int argc, char **argv, FILE *out, FILE *err, const struct update_hooks *h)
{
	struct update_req r;
	int ret = update_parse(argc, argv, &r, out, err);

	if (ret)
		return ret == 1 ? 0 : 2;
	ret = update_exec(&r, out, err, h);
	update_req_free(&r);
	return ret;
}

/* ------------------------------------------------------------ the front */

/* An absolute path: path as it is, or after the working directory. */
static void put_path(struct jbuf *b, const char *key, const char *path, const char *cwd)
{
	char *abs = NULL;

	if (!path) {
		jb_knull(b, key);
		return;
	}
	if (path[0] != '/' && asprintf(&abs, "%s/%s", cwd, path) < 0)
		abs = NULL;
	jb_kstr(b, key, abs ? abs : path);
	free(abs);
}

/*
 * The update through upstared: the options parsed here and sent as data
 * (struct update_req), paths made absolute; the daemon runs update_exec()
 * with its hooks.
 */
static int via_daemon(int fd, int argc, char **argv)
{
	struct json *r, *o;
	struct jbuf b = {};
	struct update_req q;
	char cwd[PATH_MAX], err[256];
	int status = update_parse(argc, argv, &q, stdout, stderr);

	if (status) {
		close(fd);
		return status == 1 ? 0 : 2;
	}
	if (!getcwd(cwd, sizeof(cwd))) {
		fprintf(stderr, "upstarectl update: getcwd: %s\n", strerror(errno));
		update_req_free(&q);
		close(fd);
		return 1;
	}
	jb_open(&b, '{');
	jb_kstr(&b, "cmd", "update");
	jb_key(&b, "request");
	jb_open(&b, '{');
	jb_kint(&b, "pid", q.pid);
	put_path(&b, "patch", q.patch, cwd);
	put_path(&b, "constraints", q.constraints, cwd);
	jb_kint(&b, "timeout", q.timeout_ms);
	jb_kbool(&b, "tree", q.tree);
	jb_kbool(&b, "explain", q.explain);
	jb_kbool(&b, "stacks", q.stacks);
	jb_kbool(&b, "json", q.json);
	jb_key(&b, "threads");
	jb_open(&b, '[');
	for (size_t i = 0; i < q.nthreads; i++) {
		jb_elem(&b);
		jb_str(&b, q.threads[i]);
	}
	jb_close(&b, ']');
	jb_kint(&b, "depth", q.depth);
	jb_close(&b, '}');
	jb_close(&b, '}');
	update_req_free(&q);
	r = client_request(fd, b.s, err, sizeof(err));
	jb_free(&b);
	close(fd);
	if (!r) {
		fprintf(stderr, "upstarectl update: %s during the update; the target ends it "
			"by itself at its deadline and goes on in the old code if it was not "
			"applied\n", err);
		return 1;
	}
	if (!json_bool(r, "ok", false)) {
		fprintf(stderr, "upstarectl update: upstared: %s\n",
			json_str(r, "error") ?: "request failed");
		json_free(r);
		return 1;
	}
	if ((o = json_get(r, "out")) && o->type == JSON_STR)
		fputs(o->str, stdout);
	if ((o = json_get(r, "err")) && o->type == JSON_STR)
		fputs(o->str, stderr);
	status = json_int(r, "status", 1);
	json_free(r);
	return status;
}

/*
 * upstarectl update: through upstared when its socket answers, else (or
 * with --direct) straight through the target's control block.
 */
int ctl_update(int argc, char **argv)
{
	bool direct = false;
	int fd;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--direct") || !strcmp(argv[i], "--help") ||
		    !strcmp(argv[i], "-h"))
			direct = true;
	if (!direct) {
		fd = client_connect(client_socket_path());
		if (fd >= 0)
			return via_daemon(fd, argc, argv);
		if (fd != -ENOENT && fd != -ECONNREFUSED) {
			fprintf(stderr, "upstarectl update: cannot connect to upstared at %s: %s "
				"(--direct goes without it)\n", client_socket_path(),
				strerror(-fd));
			return 1;
		}
	}
	return update_run(argc, argv, stdout, stderr, NULL);
}
