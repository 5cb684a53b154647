// SPDX-License-Identifier: GPL-2.0
/*
 * update/soak (make check-long): a thousand updates back and forth
 * (v1 -> v2 -> v1 ...) of a threaded TCP server while 8 clients send
 * request after request.  Every request gets its answer, from one version
 * or the other, and no answer is wrong; the server's count of answered
 * requests (a global whose type changes with every update) equals the
 * clients' count; the process ends with the descriptors and the mappings
 * it had after the first two updates (not counting the pieces of the
 * loader's PROT_NONE reservation), and only the last two patches mapped
 * (older ones are retired: runtime.rst, "Retiring patches"; the runtime
 * looks at every update, UPSTARE_RETIRE_EVERY=1).  RSS grows
 * less than 4 MiB in all, less than 1 MiB in the second 500 updates; it
 * and the pauses are reported in the log.
 *
 * Each patch is built on the one before it, all of them first (0.3 s
 * each): built while the clients run, they took 4 s each.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "updlib.h"

#define NUPD	1000
#define NCLI	8

/* The patches, each built on the one before: p0001.so (v2) on v1, ... */
static bool build_all(struct upd *u)
{
	char base[32] = "v1", out[32];

	for (int k = 1; k <= NUPD; k++) {
		snprintf(out, sizeof(out), "p%04d.so", k);
		if (!upd_patch(u, base, out, k % 2 ? "v2/prog.c" : "v1/prog.c"))
			return false;
		snprintf(base, sizeof(base), "%s", out);
	}
	return true;
}

struct client {
	int fd, id;
	volatile bool *stop;
	long answered, wrong, lost;
	char first_wrong[128];
};

static void *client_loop(void *arg)
{
	struct client *c = arg;
	char msg[64], buf[128], want1[80], want2[80];

	for (long seq = 0; !*c->stop; seq++) {
		snprintf(msg, sizeof(msg), "%d %ld\n", c->id, seq);
		if (!upd_ask(c->fd, msg, buf, sizeof(buf))) {
			c->lost++;
			break;
		}
		snprintf(want1, sizeof(want1), "v1:%s", msg);
		snprintf(want2, sizeof(want2), "v2:%s", msg);
		if (strcmp(buf, want1) && strcmp(buf, want2)) {
			if (!c->wrong++)
				snprintf(c->first_wrong, sizeof(c->first_wrong), "asked %.20s, got %.60s",
					 msg, buf);
		} else {
			c->answered++;
		}
		usleep(200);	/* 8 clients leave the updates some CPU */
	}
	return NULL;
}

static int count_dir(pid_t pid, const char *what)
{
	char path[64];
	struct dirent *e;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/%s", pid, what);
	d = opendir(path);
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return d ? n : -1;
}

/*
 * Mappings of pid that have memory behind them (not PROT_NONE without a
 * file: the loader's reservation for patches, which the patches mapped in
 * it cut into more or fewer pieces depending on where each went, and
 * threads' guard pages), its RSS in KiB, and how many patches pNNNN.so
 * are mapped.
 */
static int maps_of(pid_t pid, long *rss_kb, int *npatches)
{
	char path[64], line[1024], last[64] = "";
	int n = 0;
	FILE *f;

	*npatches = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char *p = strrchr(line, '/'), perm[8] = "";

		if (sscanf(line, "%*s %7s", perm) == 1 && !strcmp(perm, "---p") && !p)
			continue;
		n++;
		if (p && !strncmp(p, "/p", 2) && strstr(p, ".so\n") && strcmp(p, last)) {
			snprintf(last, sizeof(last), "%s", p);
			(*npatches)++;	/* a patch's segments are adjacent */
		}
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	*rss_kb = -1;
	while (f && fgets(line, sizeof(line), f))
		sscanf(line, "VmRSS: %ld", rss_kb);
	if (f)
		fclose(f);
	return n;
}

static int cmp_long(const void *a, const void *b)
{
	long x = *(const long *)a, y = *(const long *)b;

	return x < y ? -1 : x > y;
}

static enum test_result run(struct test_ctx *ctx)
{
	static long pause_us[NUPD];
	enum test_result res = TEST_FAIL;
	struct client cl[NCLI] = { 0 };
	pthread_t ct[NCLI];
	int ncl = 0, port, fds0 = -1, maps0 = -1, npatch0 = 0, fds1, maps1, npatch1, npatchm = 0;
	long rss0 = -1, rssm = -1, rss1, answered = 0, wrong = 0, lost = 0, count;
	bool running;
	volatile bool stop = false;
	char buf[128];
	struct upd u;

	if (!upd_init(&u, ctx, "soak", &res))
		return res;
	if (!upd_build(&u, "v1", "v1/prog.c -pthread") || !build_all(&u))
		goto out;
	/* a look for patches to retire at every update: the end state is exact */
	setenv("UPSTARE_RETIRE_EVERY", "1", 1);
	running = upd_run(&u, "port ");
	unsetenv("UPSTARE_RETIRE_EVERY");
	if (!running)
		goto out;
	port = upd_first_value(&u, "port ");
	for (; ncl < NCLI; ncl++) {
		cl[ncl] = (struct client){ .fd = loopback_connect(port, 10), .id = ncl, .stop = &stop };
		if (!ASSERT_TRUE(cl[ncl].fd >= 0, "client connects") ||
		    !ASSERT_OK(pthread_create(&ct[ncl], NULL, client_loop, &cl[ncl]), "client"))
			goto out;
	}
	for (int k = 1; k <= NUPD; k++) {
		char patch[32], *f;

		snprintf(patch, sizeof(patch), "p%04d.so", k);
		if (!upd_expect(&u, patch, 5000, "applied", patch))
			goto out;
		f = upd_field(&u, "pause_us");
		pause_us[k - 1] = f ? atol(f) : -1;
		free(f);
		if (k == 2) {
			fds0 = count_dir(u.pid, "fd");
			maps0 = maps_of(u.pid, &rss0, &npatch0);
		}
		if (k == NUPD / 2)
			maps_of(u.pid, &rssm, &npatchm);
	}
	fds1 = count_dir(u.pid, "fd");
	maps1 = maps_of(u.pid, &rss1, &npatch1);
	stop = true;
	for (int i = 0; i < ncl; i++)
		pthread_join(ct[i], NULL);
	for (int i = 0; i < ncl; i++) {
		answered += cl[i].answered;
		wrong += cl[i].wrong;
		lost += cl[i].lost;
		if (cl[i].wrong)
			test_log("client %d: %s", i, cl[i].first_wrong);
	}
	ncl = 0;
	qsort(pause_us, NUPD, sizeof(pause_us[0]), cmp_long);
	test_log("%d updates, %ld answers; pause median %ld us, 99th %ld us, max %ld us", NUPD,
		 answered, pause_us[NUPD / 2], pause_us[NUPD * 99 / 100], pause_us[NUPD - 1]);
	test_log("after update 2 -> %d: fds %d -> %d, mappings %d -> %d, patches mapped %d -> %d, "
		 "RSS %ld -> %ld KiB (%ld KiB after update %d)", NUPD, fds0, fds1, maps0, maps1,
		 npatch0, npatch1, rss0, rss1, rssm, NUPD / 2);
	if (!ASSERT_EQ(wrong, 0, "no wrong answer") || !ASSERT_EQ(lost, 0, "no lost answer") ||
	    !ASSERT_TRUE(answered >= NUPD, "requests answered while it was updated") ||
	    !ASSERT_TRUE(upd_ask(cl[0].fd, "COUNT\n", buf, sizeof(buf)), "COUNT") ||
	    !ASSERT_EQ(sscanf(buf, "count %ld", &count), 1, buf) ||
	    !ASSERT_EQ(count, answered, "the server counted every answer, across every move") ||
	    !ASSERT_EQ(fds1, fds0, "descriptors as after update 2") ||
	    !ASSERT_EQ(maps1, maps0, "mappings as after update 2") ||
	    !ASSERT_EQ(npatch1, 2, "the last two patches mapped, no other") ||
	    !ASSERT_TRUE(rss1 - rss0 < 4096, "RSS grew less than 4 MiB") ||
	    !ASSERT_TRUE(rss1 - rssm < 1024, "RSS grew less than 1 MiB in the second half"))
		goto out;
	res = TEST_PASS;
out:
	stop = true;
	for (int i = 0; i < ncl; i++)
		pthread_join(ct[i], NULL);
	for (int i = 0; i < NCLI; i++)
		if (cl[i].fd > 0)
			close(cl[i].fd);
	upd_stop(&u);
	return res;
}

static struct test soak_test = {
	.name = "update/soak", .long_only = true, .timeout_s = 1800, .run = run,
};

__attribute__((constructor)) static void soak_register(void)
{
	test_register(&soak_test);
}
