// SPDX-License-Identifier: GPL-2.0
/*
 * upstare-top: a live view of the registered processes' threads and their
 * readiness for an update, from upstared.  Curses screen by default; -b
 * prints the same table as text, -n N times, for scripts.  With -c FILE,
 * each thread also shows the constraints of that file it violates now
 * (Documentation/constraints.rst), evaluated on the stacks upstared reports.
 */
#define _GNU_SOURCE
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "client.h"
#include "constraints.h"
#include "json.h"

enum sort_key { SORT_PID, SORT_STATE, SORT_BLOCKED, SORT_COMM, NSORT };
static const char *const sort_names[] = { "pid", "state", "blocked", "comm" };

struct row {
	long pid, tid, owner;
	const char *comm, *state, *syscall, *reason;
	const struct json *thread;	/* for the stack */
	const struct json *update;	/* the process's update state, or NULL */
	bool ready;
	double blocked_s;	/* time blocked; < 0 when it is not blocked */
	char where[96];
	char violates[256];	/* with -c: the first constraint it violates */
};

static struct {
	double interval;
	int iterations;
	bool batch;
	long filter_pid;
	enum sort_key sort;
	long expanded_tid;
	int selected;
	char error[256];
	struct json *replies[256];	/* threads replies, one per process */
	int nreplies;
	struct row *rows;
	int nrows;
	int nprocs, nready, nwindow;
	struct cons_file *cons;		/* -c FILE */
} top = { .interval = 1.0 };

static void where_of(const struct json *t, char *buf, size_t len)
{
	const struct json *st = json_get(t, "stack"), *f;

	snprintf(buf, len, "-");
	for (f = st ? st->child : NULL; f; f = f->next) {
		if (json_str(f, "cp")) {
			snprintf(buf, len, "%s:%lld %s", json_str(f, "function"),
				 json_int(f, "line", 0), json_str(f, "cp"));
			return;
		}
	}
	for (f = st ? st->child : NULL; f; f = f->next) {
		if (json_str(f, "function")) {
			snprintf(buf, len, "%s", json_str(f, "function"));
			return;
		}
	}
}

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = (x->pid > y->pid) - (x->pid < y->pid);

	if (c)		/* threads stay under their process */
		return c;
	switch (top.sort) {
	case SORT_STATE:
		c = strcmp(x->state, y->state);
		break;
	case SORT_BLOCKED:
		c = (y->blocked_s > x->blocked_s) - (y->blocked_s < x->blocked_s);
		break;
	case SORT_COMM:
		c = strcmp(x->comm, y->comm);
		break;
	default:
		break;
	}
	if (!c)
		c = (x->tid > y->tid) - (x->tid < y->tid);
	return c;
}

static void clear_data(void)
{
	int i;

	for (i = 0; i < top.nreplies; i++)
		json_free(top.replies[i]);
	top.nreplies = 0;
	free(top.rows);
	top.rows = NULL;
	top.nrows = 0;
	top.nprocs = top.nready = top.nwindow = 0;
}

static void add_rows(long pid, const struct json *threads, const struct json *update)
{
	const struct json *t;

	for (t = threads ? threads->child : NULL; t; t = t->next) {
		struct row *r;
		const struct json *o = json_get(t, "wchan_lock_owner"), *b;

		top.rows = realloc(top.rows, (top.nrows + 1) * sizeof(*top.rows));
		r = &top.rows[top.nrows++];
		memset(r, 0, sizeof(*r));
		r->pid = pid;
		r->tid = json_int(t, "tid", 0);
		r->comm = json_str(t, "comm") ?: "";
		r->state = json_str(t, "state") ?: "";
		r->syscall = json_str(t, "syscall");
		r->reason = json_str(t, "reason") ?: "";
		r->ready = json_bool(t, "ready", false);
		r->owner = o && o->type == JSON_NUM ? (long)o->num : 0;
		b = json_get(t, "blocked_ns");
		r->blocked_s = b && b->type == JSON_NUM ? b->num / 1e9 : -1;
		r->thread = t;
		r->update = update && update->type == JSON_OBJ ? update : NULL;
		where_of(t, r->where, sizeof(r->where));
		top.nready += r->ready;
	}
}

/*
 * With -c: evaluate the constraints on one process's threads (rows FIRST
 * to the end) and note on each row the first one it violates.  Frames are
 * named by their source name; a thread's role is the function of its
 * outermost instrumented frame.
 */
static void check_constraints(const struct json *threads, int first)
{
	struct cons_thread th[512];
	struct cons_frame *fr = NULL;
	struct cons_snapshot snap = { th, 0 };
	struct cons_result res;
	size_t nfr = 0, cap = 0;
	const struct json *t, *f;

	for (t = threads ? threads->child : NULL; t && snap.nthreads < 512; t = t->next) {
		const struct json *st = json_get(t, "stack");

		for (f = st ? st->child : NULL; f; f = f->next)
			cap++;
	}
	fr = calloc(cap ? cap : 1, sizeof(*fr));
	if (!fr)
		return;
	for (t = threads ? threads->child : NULL; t && snap.nthreads < 512; t = t->next) {
		struct cons_thread *c = &th[snap.nthreads++];
		const struct json *st = json_get(t, "stack");

		memset(c, 0, sizeof(*c));
		c->tid = json_int(t, "tid", 0);
		c->comm = json_str(t, "comm");
		c->frames = &fr[nfr];
		for (f = st ? st->child : NULL; f; f = f->next) {
			struct cons_frame *x = &fr[nfr++];

			x->function = json_str(f, "name") ?: json_str(f, "function");
			x->file = json_str(f, "file");
			x->line = json_int(f, "line", 0);
			x->cp_key = json_str(f, "cp");
			if (json_str(f, "name"))
				c->role = json_str(f, "name");
			c->nframes++;
		}
	}
	if (cons_eval(top.cons, &snap, &res) == 0) {
		for (size_t v = 0; v < res.n; v++)
			for (int i = first; i < top.nrows; i++) {
				struct row *r = &top.rows[i];
				const struct cons_rule *rule = res.v[v].rule;
				char *text;

				if (r->violates[0] || !cons_violation_has_tid(&res.v[v], r->tid))
					continue;
				text = cons_rule_str(rule);
				snprintf(r->violates, sizeof(r->violates), "violates %s:%u:%u: %s",
					 top.cons->path, rule->loc.line, rule->loc.col,
					 text ? text : "?");
				free(text);
			}
	}
	cons_result_free(&res);
	free(fr);
}

/* One round of requests: ps, then threads of each (or the filtered) process. */
static int refresh_data(void)
{
	struct json *ps, *p;
	char req[128];
	int first;

	clear_data();
	top.error[0] = 0;
	ps = client_call("upstare-top", "{\"cmd\":\"ps\"}");
	if (!ps || !json_bool(ps, "ok", false)) {
		snprintf(top.error, sizeof(top.error), "%s",
			 ps ? json_str(ps, "error") : "cannot reach upstared");
		json_free(ps);
		return -1;
	}
	for (p = json_get(ps, "procs") ? json_get(ps, "procs")->child : NULL; p; p = p->next) {
		long pid = json_int(p, "pid", 0);
		struct json *r;

		if (top.filter_pid && pid != top.filter_pid)
			continue;
		top.nprocs++;
		top.nwindow += json_int(p, "kick_gen", 0) != 0;
		snprintf(req, sizeof(req), "{\"cmd\":\"threads\",\"pid\":%ld}", pid);
		r = client_call("upstare-top", req);
		if (!r || !json_bool(r, "ok", false) || top.nreplies == 256) {
			json_free(r);	/* it exited between ps and threads */
			continue;
		}
		top.replies[top.nreplies++] = r;
		first = top.nrows;
		add_rows(pid, json_get(r, "threads"), json_get(r, "update"));
		if (top.cons)
			check_constraints(json_get(r, "threads"), first);
	}
	json_free(ps);
	qsort(top.rows, top.nrows, sizeof(*top.rows), cmp_rows);
	return 0;
}

static void format_header(char *buf, size_t len)
{
	snprintf(buf, len, "upstare-top: %d processes, %d threads, %d ready, %d in an update "
		 "window; sort %s%s", top.nprocs, top.nrows, top.nready, top.nwindow,
		 sort_names[top.sort], top.filter_pid ? ", filtered" : "");
}

/* 80 columns: the process is on its own line above its threads. */
static const char *columns =
	"    TID COMM       STATE                 RDY SYSCALL     OWNER BLOCK WHERE";

/* Time blocked in 5 columns: "-" (not blocked), 12.3, 123s, 45m, 12h. */
static void format_blocked(double s, char *buf, size_t len)
{
	if (s < 0)
		snprintf(buf, len, "-");
	else if (s < 99.95)
		snprintf(buf, len, "%.1f", s);
	else if (s < 999.5)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 99.5 * 60)
		snprintf(buf, len, "%.0fm", s / 60);
	else
		snprintf(buf, len, "%.0fh", s / 3600);
}

static void format_row(const struct row *r, char *buf, size_t len)
{
	char owner[16] = "-", blocked[16];

	if (r->owner)
		snprintf(owner, sizeof(owner), "%ld", r->owner);
	format_blocked(r->blocked_s, blocked, sizeof(blocked));
	snprintf(buf, len, "%7ld %-10.10s %-21.21s %-3s %-11.11s %5s %5s %s",
		 r->tid, r->comm, r->state, r->ready ? "yes" : "no", r->syscall ?: "-", owner,
		 blocked, r->where);
}

static void format_frame(const struct json *f, char *buf, size_t len)
{
	snprintf(buf, len, "          %s %s:%lld%s%s", json_str(f, "function") ?: "??",
		 json_str(f, "file") ?: "??", json_int(f, "line", 0),
		 json_str(f, "cp") ? "  cp " : "", json_str(f, "cp") ?: "");
}

/* "PID 123 (comm): N threads, M ready" for the process of rows[i]. */
static void format_proc(int i, char *buf, size_t len)
{
	int n = 0, ready = 0, k;

	for (k = i; k < top.nrows && top.rows[k].pid == top.rows[i].pid; k++) {
		n++;
		ready += top.rows[k].ready;
	}
	const struct json *u = top.rows[i].update;
	int off;

	off = snprintf(buf, len, "PID %ld (%s): %d threads, %d ready", top.rows[i].pid,
		       top.rows[i].comm, n, ready);
	/* A pending update's progress, from the runtime's control block. */
	if (u && off < (int)len && strcmp(json_str(u, "phase") ?: "", "idle"))
		snprintf(buf + off, len - off, "; update %s, %lld/%lld parked",
			 json_str(u, "phase"), json_int(u, "nparked", 0), json_int(u, "nthreads", 0));
	else if (u && off < (int)len)
		snprintf(buf + off, len - off, "; %lld updates applied",
			 json_int(u, "generation", 0));
}

static void print_batch(void)
{
	char buf[512];
	int i;

	format_header(buf, sizeof(buf));
	puts(buf);
	if (top.error[0])
		printf("error: %s\n", top.error);
	puts(columns);
	for (i = 0; i < top.nrows; i++) {
		if (!i || top.rows[i].pid != top.rows[i - 1].pid) {
			format_proc(i, buf, sizeof(buf));
			puts(buf);
		}
		format_row(&top.rows[i], buf, sizeof(buf));
		puts(buf);
		printf("%8s%s\n", "", top.rows[i].reason);
		if (top.rows[i].violates[0])
			printf("%8s%s\n", "", top.rows[i].violates);
	}
	putchar('\n');
	fflush(stdout);
}

static void put_line(int y, const char *s, int attr)
{
	if (y >= LINES)
		return;
	attron(attr);
	mvaddnstr(y, 0, s, COLS);
	attroff(attr);
}

static void draw(void)
{
	char buf[512];
	int y = 0, i, first = 0, body;

	erase();
	format_header(buf, sizeof(buf));
	put_line(y++, buf, A_BOLD);
	put_line(y++, top.error[0] ? top.error :
		 "q quit  s sort  p pid filter  up/down select  enter stack  +/- interval", 0);
	put_line(y++, columns, A_REVERSE);
	body = LINES - y - 1;
	if (top.selected >= top.nrows)
		top.selected = top.nrows ? top.nrows - 1 : 0;
	if (body > 0 && top.selected >= body)
		first = top.selected - body + 1;
	for (i = first; i < top.nrows && y < LINES - 1; i++) {
		const struct row *r = &top.rows[i];

		if (!i || i == first || r->pid != top.rows[i - 1].pid) {
			format_proc(i, buf, sizeof(buf));
			put_line(y++, buf, A_BOLD);
			if (y >= LINES - 1)
				break;
		}
		format_row(r, buf, sizeof(buf));
		put_line(y++, buf, i == top.selected ? A_STANDOUT : 0);
		if (r->violates[0] && y < LINES - 1) {
			snprintf(buf, sizeof(buf), "        %s", r->violates);
			put_line(y++, buf, A_BOLD);
		}
		if (r->tid == top.expanded_tid) {
			const struct json *st = json_get(r->thread, "stack"), *f;

			put_line(y++, r->reason, A_DIM);
			for (f = st ? st->child : NULL; f && y < LINES - 1; f = f->next) {
				format_frame(f, buf, sizeof(buf));
				put_line(y++, buf, 0);
			}
		}
	}
	if (top.nrows && top.selected < top.nrows)
		put_line(LINES - 1, top.rows[top.selected].reason, A_BOLD);
	refresh();
}

static long prompt_number(const char *what)
{
	char buf[32] = "";

	mvaddnstr(LINES - 1, 0, what, COLS);
	clrtoeol();
	echo();
	nocbreak();
	timeout(-1);
	getnstr(buf, sizeof(buf) - 1);
	noecho();
	cbreak();
	return strtol(buf, NULL, 10);
}

static int run_curses(void)
{
	int key, n = 0;

	setlocale(LC_ALL, "");
	if (!initscr())
		return 1;
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	refresh_data();
	draw();
	for (;;) {
		timeout((int)(top.interval * 1000));
		key = getch();
		switch (key) {
		case 'q':
			endwin();
			clear_data();
			return 0;
		case 's':
			top.sort = (top.sort + 1) % NSORT;
			break;
		case 'p':
			top.filter_pid = prompt_number("filter pid (empty: all): ");
			break;
		case KEY_UP:
			if (top.selected > 0)
				top.selected--;
			draw();
			continue;
		case KEY_DOWN:
			top.selected++;
			draw();
			continue;
		case '\n':
		case KEY_ENTER:
		case 'e':
			if (top.selected < top.nrows)
				top.expanded_tid = top.expanded_tid == top.rows[top.selected].tid ?
					0 : top.rows[top.selected].tid;
			draw();
			continue;
		case '+':
			top.interval *= 2;
			break;
		case '-':
			if (top.interval > 0.2)
				top.interval /= 2;
			break;
		case KEY_RESIZE:
			draw();
			continue;
		default:
			break;
		}
		refresh_data();
		draw();
		if (top.iterations && ++n >= top.iterations)
			break;
	}
	endwin();
	clear_data();
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: upstare-top [-d SECONDS] [-p PID] [-s pid|state|cpu|comm] [-b] [-n N] "
		"[-c FILE]\n"
		"  -d SECONDS  refresh interval (default 1)\n"
		"  -p PID      only this process\n"
		"  -s KEY      sort by pid, state, blocked or comm\n"
		"  -b          batch mode: print the table as text\n"
		"  -n N        stop after N refreshes\n"
		"  -c FILE     show the constraints of FILE each thread violates\n");
}

int main(int argc, char **argv)
{
	struct timespec ts;
	int c, i, k;

	while ((c = getopt(argc, argv, "d:p:s:bn:c:h")) != -1) {
		switch (c) {
		case 'd':
			top.interval = atof(optarg);
			if (top.interval < 0.1)
				top.interval = 0.1;
			break;
		case 'p':
			top.filter_pid = atol(optarg);
			break;
		case 's':
			for (k = 0; k < NSORT && strcmp(optarg, sort_names[k]); k++)
				;
			if (k == NSORT) {
				usage(stderr);
				return 2;
			}
			top.sort = k;
			break;
		case 'b':
			top.batch = true;
			break;
		case 'n':
			top.iterations = atoi(optarg);
			break;
		case 'c': {
			struct cons_diags d = { 0 };

			top.cons = cons_parse_file(optarg, &d);
			if (!top.cons) {
				cons_diags_print(&d, stderr);
				cons_diags_free(&d);
				return 2;
			}
			cons_diags_free(&d);
			break;
		}
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!top.batch)
		return run_curses();
	for (i = 0; !top.iterations || i < top.iterations; i++) {
		if (i) {
			ts.tv_sec = (time_t)top.interval;
			ts.tv_nsec = (long)((top.interval - ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
		if (refresh_data() && !top.iterations) {
			fprintf(stderr, "upstare-top: %s\n", top.error);
			return 1;
		}
		print_batch();
	}
	clear_data();
	return top.error[0] ? 1 : 0;
}
