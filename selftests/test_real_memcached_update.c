// SPDX-License-Identifier: GPL-2.0
/*
 * real/memcached_update: memcached 1.6.18 from Debian's sources, with
 * libevent 2.1.12 (Debian's sources too) built by upstare-cc as a static
 * library, is updated live three times while eight clients loop over 1000
 * keys on four worker threads:
 *
 *   v1  the upstream release (Debian's one C patch, 0007, reverse-applied)
 *   v2  the Debian-patched release: patch built from v2's objects and
 *       libevent.a (upstare-cc --patch --base v1/memcached)
 *   v3  v2 whose "version" command answers differently (--base v2.so)
 *   v4  back to v2's answer (v2's objects, --base v3.so): the first update
 *       whose commit looks for a patch to retire (runtime.rst, "Retiring
 *       patches") in a real program's memory
 *
 * Everything is built by the projects' own build systems (CMake for
 * libevent, configure and make for memcached) with their default settings
 * and CC=upstare-cc.  Each update must be applied with every thread
 * parked; no client sees an error, a dropped connection or a wrong value;
 * afterwards every key reads back what was last written and the version
 * command answers as v4 does.  v2.so stays mapped, and must: it holds the
 * storage of globals the later patches bind to (the log lists the patches
 * mapped at the end).  The updates' JSON is in the test's log.
 *
 * Also here: real/memcached_1638 and real/memcached_suite (memcached's
 * own test suite on the instrumented build), both in check-long.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#define NKEYS		1000
#define NCLIENTS	8
#define IO_TIMEOUT_S	10
#define BUILD_TIMEOUT	900
#define SUITE_TIMEOUT	1200	/* memcached's own tests: about 4 minutes */

struct load {
	int port;
	volatile int stop;
	unsigned gen[NKEYS];	/* last value written to each key */
	pthread_mutex_t lock;	/* errors[] */
	long ops, errors;
	char first_error[256];
};

struct client {
	struct load *l;
	int id, fd;
};

/* Send req, read the reply up to one that ends with end (a full line). */
static int request(int fd, const char *req, const char *end, char *buf, size_t n)
{
	size_t len = 0, rl = strlen(req);

	if (write(fd, req, rl) != (ssize_t)rl)
		return -1;
	for (;;) {
		ssize_t r = read(fd, buf + len, n - 1 - len);

		if (r <= 0)
			return -1;
		len += r;
		buf[len] = 0;
		if (len >= strlen(end) && !strcmp(buf + len - strlen(end), end))
			return 0;
		if (strstr(buf, "ERROR") || len == n - 1)
			return -1;
	}
}

static void client_error(struct load *l, const char *what, int key)
{
	pthread_mutex_lock(&l->lock);
	if (!l->errors++)
		snprintf(l->first_error, sizeof(l->first_error), "key %d: %s (%s)", key, what,
			 strerror(errno));
	pthread_mutex_unlock(&l->lock);
}

/* Write a key's next value and read it back; 0, or -1 with the error counted. */
static int set_get(struct client *c, int key)
{
	struct load *l = c->l;
	char req[128], val[64], want[160], buf[512];
	unsigned g = l->gen[key] + 1;
	int vl = snprintf(val, sizeof(val), "value-%d-%u", key, g);

	snprintf(req, sizeof(req), "set key%d 0 0 %d\r\n%s\r\n", key, vl, val);
	if (request(c->fd, req, "\r\n", buf, sizeof(buf)) || strcmp(buf, "STORED\r\n")) {
		client_error(l, "set", key);
		return -1;
	}
	l->gen[key] = g;
	snprintf(req, sizeof(req), "get key%d\r\n", key);
	snprintf(want, sizeof(want), "VALUE key%d 0 %d\r\n%s\r\nEND\r\n", key, vl, val);
	if (request(c->fd, req, "END\r\n", buf, sizeof(buf)) || strcmp(buf, want)) {
		client_error(l, "get returned another value", key);
		return -1;
	}
	return 0;
}

/* Client id owns keys id, id + NCLIENTS, ...: it knows their last values. */
static void *client_loop(void *p)
{
	struct client *c = p;

	for (int k = c->id; !c->l->stop; k = k + NCLIENTS < NKEYS ? k + NCLIENTS : c->id) {
		if (set_get(c, k))
			break;
		__atomic_add_fetch(&c->l->ops, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static bool all_keys_read_back(struct load *l, int fd)
{
	char req[64], want[160], buf[512];

	for (int k = 0; k < NKEYS; k++) {
		snprintf(req, sizeof(req), "get key%d\r\n", k);
		snprintf(want, sizeof(want), "value-%d-%u", k, l->gen[k]);
		if (request(fd, req, "END\r\n", buf, sizeof(buf)) || !strstr(buf, want))
			return test_fail_at(__FILE__, __LINE__, "key%d: %.100s, expected %s", k, buf,
					    want);
	}
	return true;
}

static bool version_is(int port, const char *want)
{
	int fd = loopback_connect(port, IO_TIMEOUT_S);
	char buf[256] = "";
	bool ok = fd >= 0 && !request(fd, "version\r\n", "\r\n", buf, sizeof(buf));

	if (fd >= 0)
		close(fd);
	return ASSERT_TRUE(ok, "version answered") && ASSERT_STREQ(buf, want, "version");
}

/*
 * A refusal that comes from what the server was doing when its threads
 * parked (a response in flight, a connection being handed to a worker,
 * the patch's own -EBUSY): the update is to be tried again.
 */
static bool busy(const char *out)
{
	return strstr(out, "{\"result\":\"rolled-back\"") &&
	       (strstr(out, "is not NULL") || strstr(out, "in flight") ||
		strstr(out, "being handed"));
}

/*
 * upstarectl update --json of PATCH into the process: every thread parked,
 * and applied, or (why not NULL) rolled back for that reason; up to tries
 * attempts while busy() (50 ms apart).
 */
static bool update(pid_t pid, const char *patch, const char *cons, int tries, const char *why)
{
	struct cmd_result r = { 0 };
	bool ok;
	int n = 0;

	do {
		if (n++)
			usleep(50000);
		cmd_result_free(&r);
		run_cmd(&r, 60, "%s/bin/upstarectl update --direct --pid %d --patch %s "
			"--timeout 5000 --json%s%s", upstare_build_dir(), (int)pid, patch,
			cons ? " --constraints " : "", cons ? cons : "");
		test_log("update %s (attempt %d): %s", patch, n, r.out ? r.out : "");
	} while (n < tries && r.out && busy(r.out));
	ok = (why ? ASSERT_STRSTR(r.out, "{\"result\":\"rolled-back\"", "update rolled back") &&
		    ASSERT_STRSTR(r.out, why, "the reason") :
		    ASSERT_STRSTR(r.out, "{\"result\":\"applied\"", "update applied")) &&
	     ASSERT_STRSTR(r.out, "\"processes\":[{\"pid\":", "one process");
	if (ok) {
		long threads = strtol(strstr(r.out, "\"threads\":") + 10, NULL, 10);
		long parked = strtol(strstr(r.out, "\"parked\":") + 9, NULL, 10);

		ok = ASSERT_EQ(parked, threads, "every thread parked");
	}
	cmd_result_free(&r);
	return ok;
}

/* libevent from source (lev) into tmpdir/lev, a static library, by upstare-cc. */
static bool build_libevent(struct test_ctx *ctx, const char *lev)
{
	return sh_ok(BUILD_TIMEOUT, "libevent built by upstare-cc (CMake, static)",
		     "cmake -S '%1$s' -B '%2$s/lev-build' -DCMAKE_C_COMPILER=%3$s "
		     "-DCMAKE_BUILD_TYPE=Release -DEVENT__LIBRARY_TYPE=STATIC "
		     "-DEVENT__DISABLE_OPENSSL=ON -DEVENT__DISABLE_MBEDTLS=ON "
		     "-DEVENT__DISABLE_TESTS=ON -DEVENT__DISABLE_SAMPLES=ON "
		     "-DEVENT__DISABLE_BENCHMARK=ON -DCMAKE_INSTALL_PREFIX='%2$s/lev' >/dev/null && "
		     "cmake --build '%2$s/lev-build' -j2 >/dev/null && "
		     "cmake --install '%2$s/lev-build' >/dev/null", lev, ctx->tmpdir, upstare_cc());
}

static bool build_all(struct test_ctx *ctx, const char *lev, const char *mc)
{
	const char *d = ctx->tmpdir, *cc = upstare_cc();

	return build_libevent(ctx, lev) &&
	       sh_ok(BUILD_TIMEOUT, "memcached v1 (upstream) and v2 (Debian)",
		     "cp -a '%1$s' '%2$s/v1' && cp -a '%1$s' '%2$s/v2' && "
		     "patch -s -R -p1 -d '%2$s/v1' "
		     "< '%2$s/v1/debian/patches/0007-uninitialized-variables.patch' && "
		     "for v in v1 v2; do (cd '%2$s'/$v && ./configure CC=%3$s CFLAGS=-O2 "
		     "--with-libevent='%2$s/lev' >/dev/null && make -j2 memcached >/dev/null) || exit 1; done",
		     mc, d, cc) &&
	       sh_ok(BUILD_TIMEOUT, "memcached v3 (another version reply)",
		     "cp -a '%1$s/v2' '%1$s/v3' && cd '%1$s/v3' && "
		     "sed -i 's/\"VERSION \" VERSION)/\"VERSION \" VERSION \" (updated live)\")/' "
		     "proto_text.c && grep -q 'updated live' proto_text.c && make -j2 memcached >/dev/null",
		     d) &&
	       sh_ok(BUILD_TIMEOUT, "the patches, from each build's objects and libevent.a",
		     "cd '%1$s/v2' && %2$s --patch --base ../v1/memcached -O2 -pthread -o ../v2.so "
		     "memcached-*.o ../lev/lib/libevent.a && cd ../v3 && %2$s --patch --base ../v2.so "
		     "-O2 -pthread -o ../v3.so memcached-*.o ../lev/lib/libevent.a && "
		     "cd ../v2 && %2$s --patch --base ../v3.so -O2 -pthread -o ../v4.so "
		     "memcached-*.o ../lev/lib/libevent.a && "
		     "chmod 644 ../v2.so ../v3.so ../v4.so", d, cc);
}

/* tmpdir/v1/memcached, 4 workers, on port: its pid (its own process group). */
static pid_t start_memcached(struct test_ctx *ctx, int port)
{
	char bin[512], p[16];
	pid_t pid;

	snprintf(bin, sizeof(bin), "%s/v1/memcached", ctx->tmpdir);
	snprintf(p, sizeof(p), "%d", port);
	pid = fork();
	if (pid == 0) {
		setpgid(0, 0);
		execl(bin, bin, "-u", "nobody", "-t", "4", "-p", p, "-U", "0", "-l", "127.0.0.1",
		      "-m", "64", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/*
 * tmpdir/v1/memcached serving NCLIENTS clients that loop over NKEYS keys;
 * each patch applied in turn (with the constraint file cons, or none; tries
 * attempts each), or rolled back for the reason whys[i] if whys, while they
 * do; then no
 * client saw an error, every key reads back what was last written, the
 * version command answers after, and memcached still runs.  Its pid in
 * *pidp (the caller kills it), its port in *portp.
 */
static bool serve_and_update(struct test_ctx *ctx, const char *before, const char *const *patches,
			     const char *const *whys, int npatches, const char *cons, int tries,
			     const char *after, pid_t *pidp, int *portp)
{
	struct client c[NCLIENTS] = { 0 };
	pthread_t th[NCLIENTS];
	static struct load l;
	int nth = 0, fd = -1;
	bool ok = false;
	long ops0;

	memset(&l, 0, sizeof(l));
	pthread_mutex_init(&l.lock, NULL);
	l.port = *portp = loopback_free_port();
	*pidp = start_memcached(ctx, l.port);
	for (int i = 0; i < 100 && (fd = loopback_connect(l.port, IO_TIMEOUT_S)) < 0; i++)
		usleep(50000);
	if (!ASSERT_TRUE(fd >= 0, "memcached answers") || !version_is(l.port, before))
		goto out;
	for (int i = 0; i < NCLIENTS; i++) {
		c[i] = (struct client){ &l, i, loopback_connect(l.port, IO_TIMEOUT_S) };
		if (!ASSERT_TRUE(c[i].fd >= 0, "client connects"))
			goto out;
	}
	for (int k = 0; k < NKEYS; k++)		/* every key has a value */
		if (set_get(&c[k % NCLIENTS], k))
			goto out;
	for (; nth < NCLIENTS; nth++)
		pthread_create(&th[nth], NULL, client_loop, &c[nth]);
	for (int v = 0; v < npatches; v++) {
		ops0 = __atomic_load_n(&l.ops, __ATOMIC_RELAXED);
		while (__atomic_load_n(&l.ops, __ATOMIC_RELAXED) < ops0 + 2000 && !l.errors)
			usleep(10000);
		if (!update(*pidp, patches[v], cons, tries, whys ? whys[v] : NULL))
			goto out;
	}
	ops0 = __atomic_load_n(&l.ops, __ATOMIC_RELAXED);
	while (__atomic_load_n(&l.ops, __ATOMIC_RELAXED) < ops0 + 2000 && !l.errors)
		usleep(10000);
	l.stop = 1;
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	nth = 0;
	test_log("%ld set+get pairs by %d clients, %ld errors%s%s", l.ops, NCLIENTS, l.errors,
		 l.errors ? ": first: " : "", l.first_error);
	ok = ASSERT_EQ(l.errors, 0, "no client saw an error") && all_keys_read_back(&l, fd) &&
	     version_is(l.port, after) && ASSERT_TRUE(kill(*pidp, 0) == 0, "memcached still runs");
out:
	l.stop = 1;
	for (int i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NCLIENTS; i++)
		if (c[i].fd > 0)
			close(c[i].fd);
	if (fd >= 0)
		close(fd);
	return ok;
}

static void stop_memcached(pid_t pid)
{
	if (pid > 0) {
		kill(-pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
}

static enum test_result real_memcached_update(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char *lev = NULL, *mc = NULL, v2[512], v3[512], v4[512];
	const char *patches[] = { v2, v3, v4 };
	pid_t pid = 0;
	int port;

	if (!is_root())
		return test_skip("needs root: patches must be owned by root, and upstarectl "
				 "writes the target's memory");
	if ((res = fetch_src("libevent", "bookworm", &lev)) != TEST_PASS ||
	    (res = fetch_src("memcached", "bookworm", &mc)) != TEST_PASS)
		goto out;
	res = TEST_FAIL;
	if (!build_all(ctx, lev, mc))
		goto out;
	snprintf(v2, sizeof(v2), "%s/v2.so", ctx->tmpdir);
	snprintf(v3, sizeof(v3), "%s/v3.so", ctx->tmpdir);
	snprintf(v4, sizeof(v4), "%s/v4.so", ctx->tmpdir);
	if (!serve_and_update(ctx, "VERSION 1.6.18\r\n", patches, NULL, 3, NULL, 1,
			      "VERSION 1.6.18\r\n", &pid, &port))
		goto out;
	for (int v = 0; v < 3; v++)
		test_log("%s %s", patches[v], maps_have(pid, patches[v]) ? "mapped" : "not mapped");
	if (!ASSERT_TRUE(maps_have(pid, v4), "v4.so mapped"))
		goto out;
	res = TEST_PASS;
out:
	stop_memcached(pid);
	free(lev);
	free(mc);
	return res;
}

/*
 * real/memcached_1638: memcached 1.6.18 (bookworm) to 1.6.38 (trixie), the
 * newest release Debian serves, each built by its own configure and make
 * with libevent 2.1.12, while eight clients loop over 1000 keys.  The
 * patch is 1.6.38's objects and the lines its author writes
 * (selftests/real/memcached-1.6.38.c: declarations of the heap's
 * connections and worker records, their transformers, the slab mover's
 * frame, the hooks that move libevent's registrations); the rest is
 * generated.  The update is submitted with the constraint file beside it
 * (no thread inside drive_machine, i.e. serving a request); one refused
 * because a response was still in flight is tried again (up to 10 times).
 * First the same patch built -DFAIL_AT=7: its pre-commit hook fails after
 * moving 7 of libevent's registrations, and the update rolls back (the
 * rollback hook puts them back: every client goes on in 1.6.18).  After
 * the real one: no client
 * saw an error or lost its connection, every key reads back, version says
 * 1.6.38, and the slab mover of 1.6.38 answers (slabs automove).
 */
static enum test_result real_memcached_1638(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char *lev = NULL, *mc = NULL, *mc38 = NULL, patch[512], fail[512], cons[512], buf[256] = "";
	const char *patches[] = { fail, patch };
	const char *whys[] = { "pre-commit hook pre_commit failed (-5): failing on purpose after "
			       "moving 7 events", NULL };
	const char *d = ctx->tmpdir, *cc = upstare_cc();
	pid_t pid = 0;
	int port, fd = -1;

	if (!is_root())
		return test_skip("needs root: patches must be owned by root, and upstarectl "
				 "writes the target's memory");
	if ((res = fetch_src("libevent", "bookworm", &lev)) != TEST_PASS ||
	    (res = fetch_src("memcached", "bookworm", &mc)) != TEST_PASS ||
	    (res = fetch_src("memcached", "trixie", &mc38)) != TEST_PASS)
		goto out;
	res = TEST_FAIL;
	if (!build_libevent(ctx, lev) ||
	    !sh_ok(BUILD_TIMEOUT, "memcached 1.6.18 and 1.6.38",
		   "cp -a '%1$s' '%3$s/v1' && cp -a '%2$s' '%3$s/v38' && "
		   "for v in v1 v38; do (cd '%3$s'/$v && ./configure CC=%4$s CFLAGS=-O2 "
		   "--with-libevent='%3$s/lev' >/dev/null && make -j2 memcached >/dev/null) || "
		   "exit 1; done", mc, mc38, d, cc) ||
	    !sh_ok(BUILD_TIMEOUT, "the patch: 1.6.38's objects, libevent.a and the author's lines",
		   "cd '%1$s/v38' && %2$s --patch --base ../v1/memcached -O2 -pthread "
		   "-o ../v38.so memcached-*.o ../lev/lib/libevent.a -I'%1$s/v38' "
		   "-I'%1$s/lev/include' -DHAVE_CONFIG_H '%3$s/selftests/real/memcached-1.6.38.c' "
		   "&& %2$s --patch --base ../v1/memcached -O2 -pthread -o ../v38-fail.so "
		   "memcached-*.o ../lev/lib/libevent.a -I'%1$s/v38' -I'%1$s/lev/include' "
		   "-DHAVE_CONFIG_H -DFAIL_AT=7 '%3$s/selftests/real/memcached-1.6.38.c' "
		   "&& chmod 644 ../v38.so ../v38-fail.so", d, cc, upstare_src_dir()))
		goto out;
	snprintf(patch, sizeof(patch), "%s/v38.so", d);
	snprintf(fail, sizeof(fail), "%s/v38-fail.so", d);
	snprintf(cons, sizeof(cons), "%s/selftests/real/memcached-1.6.38.cons", upstare_src_dir());
	if (!serve_and_update(ctx, "VERSION 1.6.18\r\n", patches, whys, 2, cons, 10,
			      "VERSION 1.6.38\r\n", &pid, &port))
		goto out;
	/* 1.6.38's slab mover (settings.slab_rebal, made by the patch) */
	fd = loopback_connect(port, IO_TIMEOUT_S);
	if (!ASSERT_TRUE(fd >= 0, "connects") ||
	    !ASSERT_EQ(request(fd, "slabs automove 1\r\n", "\r\n", buf, sizeof(buf)), 0,
		       "slabs automove answered") ||
	    !ASSERT_STREQ(buf, "OK\r\n", "slabs automove") ||
	    !ASSERT_EQ(request(fd, "slabs reassign 1 2\r\n", "\r\n", buf, sizeof(buf)), 0,
		       "slabs reassign answered") ||
	    !ASSERT_TRUE(kill(pid, 0) == 0, "memcached still runs"))
		goto out;
	test_log("slabs reassign 1 2: %s", buf);
	res = TEST_PASS;
out:
	if (fd >= 0)
		close(fd);
	stop_memcached(pid);
	free(lev);
	free(mc);
	free(mc38);
	return res;
}

/* The end of a prove run's output that says every test passed, or why not. */
static bool suite_passed(const struct cmd_result *r, const char *what)
{
	const char *files = r->out ? strstr(r->out, "\nFiles=") : NULL;

	test_log("%s: status %d, %.*s", what, r->status,
		 files ? (int)strcspn(files + 1, "\n") : 4, files ? files + 1 : "none");
	if (r->status || !r->out || !strstr(r->out, "\nAll tests successful.\n") ||
	    !strstr(r->out, "\nResult: PASS\n")) {
		test_log("%s: the end of its output:\n%s", what,
			 r->out && strlen(r->out) > 3000 ? r->out + strlen(r->out) - 3000 :
			 r->out ? r->out : "");
		return test_fail_at(__FILE__, __LINE__, "%s did not pass", what);
	}
	return true;
}

/*
 * real/memcached_suite (check-long): memcached 1.6.18's own test suite,
 * "make test" (its sizes and testapp programs, then prove over its 82
 * test files, about 175,000 tests, against memcached-debug), on its
 * upstare-cc build: configure and make with CC=upstare-cc and the
 * instrumented libevent, as real/memcached_update builds it.  Then prove
 * again with UPSTARE_SELFTEST_UNWIND=997: every thread of every server
 * the tests start unwinds its whole stack at every 997th update point and
 * rebuilds it.  Each run must end "All tests successful." (the suite
 * skips its SSL, proxy and flaky tests by itself, as for a plain build).
 */
static enum test_result real_memcached_suite(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct cmd_result r = { 0 };
	char *lev = NULL, *mc = NULL;
	const char *d = ctx->tmpdir;
	unsigned long n;
	unsigned reports;

	if (access(upstare_cc(), X_OK))
		return test_skip("%s not built", upstare_cc());
	if (system("command -v prove >/dev/null 2>&1"))
		return test_skip("prove (perl) is not installed: memcached's tests need it");
	if ((res = fetch_src("libevent", "bookworm", &lev)) != TEST_PASS ||
	    (res = fetch_src("memcached", "bookworm", &mc)) != TEST_PASS)
		goto out;
	res = TEST_FAIL;
	if (!build_libevent(ctx, lev) ||
	    !sh_ok(BUILD_TIMEOUT, "memcached 1.6.18 with its tests, by upstare-cc",
		   "cp -a '%1$s' '%2$s/suite' && cd '%2$s/suite' && ./configure CC=%3$s CFLAGS=-O2 "
		   "--with-libevent='%2$s/lev' >/dev/null && make -j2 >/dev/null && "
		   "make -j2 memcached-debug sizes testapp >/dev/null", mc, d, upstare_cc()))
		goto out;
	if (run_cmd(&r, SUITE_TIMEOUT, "cd '%s/suite' && make test PARALLEL=2 2>&1", d) ||
	    !ASSERT_TRUE(!r.timed_out, "make test") || !suite_passed(&r, "make test"))
		goto out;
	cmd_result_free(&r);
	/* the servers report their rebuilds when the tests stop them (SIGINT) */
	if (run_cmd(&r, SUITE_TIMEOUT, "cd '%s/suite' && UPSTARE_SELFTEST_UNWIND=997 "
		    "UPSTARE_SELFTEST_REPORT=1 prove -j 2 t 2>&1", d) ||
	    !ASSERT_TRUE(!r.timed_out, "prove, rebuilding stacks") ||
	    !suite_passed(&r, "prove with UPSTARE_SELFTEST_UNWIND=997"))
		goto out;
	n = selftest_rebuilds(r.out, &reports);
	test_log("prove with UPSTARE_SELFTEST_UNWIND=997: %u servers reported %lu stack rebuilds",
		 reports, n);
	if (!ASSERT_TRUE(reports >= 200 && n >= 10000, "the servers rebuilt their stacks"))
		goto out;
	res = TEST_PASS;
out:
	cmd_result_free(&r);
	free(lev);
	free(mc);
	return res;
}

/* Named like the other grouped cases (real/sqlite): see test_real_sqlite.c. */
static struct test real_memcached_update_test = {
	.name = "real/memcached_update", .timeout_s = 1800, .run = real_memcached_update,
};

static struct test real_memcached_1638_test = {
	.name = "real/memcached_1638", .long_only = true, .timeout_s = 1800,
	.run = real_memcached_1638,
};

static struct test real_memcached_suite_test = {
	.name = "real/memcached_suite", .long_only = true, .timeout_s = 2400,
	.run = real_memcached_suite,
};

__attribute__((constructor)) static void real_memcached_update_register(void)
{
	test_register(&real_memcached_update_test);
	test_register(&real_memcached_1638_test);
	test_register(&real_memcached_suite_test);
}
