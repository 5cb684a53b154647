// SPDX-License-Identifier: GPL-2.0
/*
 * Heap objects of a record type whose layout changed are not converted
 * yet, so an update that leaves the program reaching old-layout objects
 * with new-layout code is refused, never applied.
 *
 * update/heap_list: the global head points to a list of struct node,
 * which version 2 extends.  head's own type does not change, so the patch
 * once kept it as it is and applied; version 2 then walked the old nodes
 * with the new layout (the link read from where weight is now).  Refused
 * at prepare, before any thread stops, naming head and the record.
 *
 * update/heap_list_local: the same list reached only from a local of
 * main: rolled back once main's frame is converted, naming the local.
 *
 * Both go on in version 1 with the list intact.
 */
#include <stdio.h>
#include <unistd.h>

#include "updlib.h"

static enum test_result run_with(struct test_ctx *ctx, const char *flags, const char *result,
				 const char *want)
{
	enum test_result res = TEST_FAIL;
	char srcs[128];
	struct upd u;

	if (!upd_init(&u, ctx, "heap_list", &res))
		return res;
	snprintf(srcs, sizeof(srcs), "%s v1/prog.c", flags);
	if (upd_build(&u, "v1", srcs) && upd_patch(&u, "v1", "v2.so", "v2/prog.c") &&
	    upd_run(&u, "v1 n=20 sum=6 wsum=0\n") &&
	    upd_expect(&u, "v2.so", 5000, result, "result") &&
	    ASSERT_STRSTR(u.json, want, "the reason") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL) &&
	    upd_waitf(&u, 0, 1, "v1 n=%ld sum=6 wsum=0\n", upd_last_value(&u, "v1 n=")))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

static enum test_result heap_list(struct test_ctx *ctx)
{
	return run_with(ctx, "", "refused", "global head: head, a pointer to 'struct node', whose "
			"layout changed, is not NULL, and objects on the heap are not converted");
}

static enum test_result heap_list_local(struct test_ctx *ctx)
{
	return run_with(ctx, "-DLOCAL_LIST", "rolled-back", "local list of main(): list, a pointer to "
			"'struct node', whose layout changed, is not NULL");
}

/*
 * update/heap_converted, update/heap_converted_local: the same lists, the
 * patch declaring UPSTARE_HEAP_CONVERT("struct node") (heap.c, one line):
 * applied; every node is converted to the new layout and the links and
 * head (or main's local) moved to the new nodes, so version 2 walks the
 * same three keys and counts each node's new field (3 more each pass).
 */
static enum test_result converted_with(struct test_ctx *ctx, const char *flags)
{
	enum test_result res = TEST_FAIL;
	char srcs[128];
	struct upd u;
	long first;

	if (!upd_init(&u, ctx, "heap_list", &res))
		return res;
	snprintf(srcs, sizeof(srcs), "%s v1/prog.c", flags);
	if (!upd_build(&u, "v1", srcs) || !upd_patch(&u, "v1", "v2.so", "v2/prog.c heap.c") ||
	    !upd_run(&u, "v1 n=20 sum=6 wsum=0\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") ||
	    !upd_wait(&u, " wsum=6\n", 0, 10))
		goto out;
	upd_stop(&u);
	first = upd_first_value(&u, "v2 n=");
	if (!ASSERT_EQ(first, upd_last_value(&u, "v1 n=") + 1, "main's count carried") ||
	    !upd_waitf(&u, 0, 1, "v2 n=%ld sum=6 wsum=3\n", first) ||
	    !upd_waitf(&u, 0, 1, "v2 n=%ld sum=6 wsum=6\n", first + 1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result heap_converted(struct test_ctx *ctx)
{
	return converted_with(ctx, "");
}

static enum test_result heap_converted_local(struct test_ctx *ctx)
{
	return converted_with(ctx, "-DLOCAL_LIST");
}

/*
 * update/heap_bad_link: the list's last link is not a pointer to a node
 * (the program never follows it).  The conversion follows it and faults:
 * rolled back, the reason saying so; the pointers already moved are put
 * back and the new nodes freed, and version 1 goes on with its list.
 */
static enum test_result heap_bad_link(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "heap_list", &res))
		return res;
	if (upd_build(&u, "v1", "-DBAD_LINK v1/prog.c") &&
	    upd_patch(&u, "v1", "v2.so", "v2/prog.c heap.c") &&
	    upd_run(&u, "v1 n=20 sum=6 wsum=0\n") &&
	    upd_expect(&u, "v2.so", 5000, "rolled-back", "result") &&
	    ASSERT_STRSTR(u.json, "converting objects on the heap: received SIGSEGV (address "
			  "0x10)", "the reason") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL) &&
	    upd_waitf(&u, 0, 1, "v1 n=%ld sum=6 wsum=0\n", upd_last_value(&u, "v1 n=")))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

/*
 * update/heap_hash: a hash table of 200 records in 64 chained buckets,
 * reached from a global array of pointers; version 2 reorders the
 * record's fields and widens its count.  With the declaration, applied:
 * every record converted, every chain intact (200 records), every count
 * carried (200 hits per pass, each pass adding 200).
 */
static enum test_result heap_hash(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long n1, h1;

	if (!upd_init(&u, ctx, "heap_hash", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c heap.c") || !upd_run(&u, "v1 n=20 ") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	upd_stop(&u);
	n1 = upd_first_value(&u, "v2 n=");
	h1 = 200 * n1;
	if (!upd_waitf(&u, 0, 1, "v2 n=%ld records=200 hits=%ld\n", n1, h1))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

/*
 * update/heap_table: a server's tables as memcached keeps them
 * (updates/heap_table): a table of connection pointers by fd, an array of
 * workers, and a library's event list that links each connection's
 * embedded event and hands the connection to its callback as a void *.
 * The connection shrinks and reorders its fields (its event stays at byte
 * 48), the worker grows.  With four declarations (heap.c) applied: every
 * connection converted where it is, so the void * and the event links
 * still lead to it and the callback counts in the new layout; the workers
 * moved to a new array, each connection's pointer into it forwarded;
 * every count carried (14 per pass, in both counters).
 */
static enum test_result table_applied(struct test_ctx *ctx, const char *srcs,
				      const char *extra)
{
	enum test_result res = TEST_FAIL;
	struct upd u;
	long n1;

	if (!upd_init(&u, ctx, "heap_table", &res))
		return res;
	if (!upd_prepare(&u, srcs) ||
	    !upd_run(&u, "v1 n=20 conns=14 ok=14 count=280 served=280 list=14 started=0 born=0\n") ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "result") || !upd_wait(&u, "v2 n=", 0, 10))
		goto out;
	n1 = upd_first_value(&u, "v2 n=");
	if (!upd_waitf(&u, 0, 1, "v2 n=%ld conns=14 ok=14 count=%ld served=%ld list=14 %s\n", n1,
		       14 * n1, 14 * n1, extra) ||
	    !upd_waitf(&u, 0, 5, "v2 n=%ld conns=14 ok=14 count=%ld served=%ld list=14 %s\n",
		       n1 + 1, 14 * (n1 + 1), 14 * (n1 + 1), extra))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

static enum test_result heap_table(struct test_ctx *ctx)
{
	return table_applied(ctx, "v2/prog.c heap.c", "started=0 born=0");
}

/*
 * update/heap_table_xforms: the same with the patch's own transformers of
 * both types (xforms.c: UPSTARE_TYPE_TRANSFORMER), which the heap's objects
 * now get instead of the generated conversion (which they used to get
 * whatever the patch said): each worker's start set from its id (100 + 200
 * + 300), each connection copied by hand, converted in place all the
 * same, its born set (14 x 7), its pointers followed through
 * upstare_heap_pointer().
 */
static enum test_result heap_table_xforms(struct test_ctx *ctx)
{
	return table_applied(ctx, "v2/prog.c xforms.c", "started=600 born=98");
}

/* Version 1 built with flags, the update (srcs) rolled back for the reason why. */
static enum test_result table_rolled_back(struct test_ctx *ctx, const char *flags,
					  const char *srcs, const char *why)
{
	enum test_result res = TEST_FAIL;
	char v1[128];
	struct upd u;

	if (!upd_init(&u, ctx, "heap_table", &res))
		return res;
	snprintf(v1, sizeof(v1), "%s v1/prog.c", flags);
	if (upd_build(&u, "v1", v1) && upd_patch(&u, "v1", "v2.so", srcs) &&
	    upd_run(&u, "v1 n=20 ") &&
	    upd_expect(&u, "v2.so", 5000, "rolled-back", "result") &&
	    ASSERT_STRSTR(u.json, why, "the reason") &&
	    upd_goes_on(&u, "v1 n=", true, NULL, NULL) &&
	    upd_waitf(&u, 0, 1, "v1 n=%ld conns=14 ok=14 count=%ld served=%ld list=14 started=0 "
		      "born=0\n",
		      upd_last_value(&u, "v1 n="), 14 * upd_last_value(&u, "v1 n="),
		      14 * upd_last_value(&u, "v1 n=")))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

/*
 * update/heap_table_bad_link: the list of connections ends in a pointer
 * that leads to none.  Connections are converted in place before the
 * conversion follows it and faults: rolled back, and each connection
 * converted gets its old bytes back (version 1 goes on counting in them,
 * every check true).
 */
static enum test_result heap_table_bad_link(struct test_ctx *ctx)
{
	return table_rolled_back(ctx, "-DBAD_LINK", "v2/prog.c heap.c", "converting objects on "
				 "the heap: received SIGSEGV (address 0x10)");
}

/* update/heap_table_bad_count: a length of -1 is no count: rolled back, named. */
static enum test_result heap_table_bad_count(struct test_ctx *ctx)
{
	return table_rolled_back(ctx, "-DBAD_COUNT", "v2/prog.c heap.c", "global conns: "
				 "conns[max_fds]: its length is -1, not a count of objects");
}

/*
 * update/heap_table_xform_loop: the patch's transformer of the workers
 * never returns: stopped at the deadline like any transformer (before,
 * the heap's transformers ran with no deadline and held the program parked
 * for good), rolled back, named; version 1 goes on with every check true.
 * The runtime's own conversion is not stopped there: it could be inside
 * malloc, whose lock the rollback needs (a 3M-object list past an 800 ms
 * deadline hung 3 times in 75; now rolled back 20 times in 20).
 */
static enum test_result heap_table_xform_loop(struct test_ctx *ctx)
{
	return table_rolled_back(ctx, "", "v2/prog.c loop.c", "converting objects on the heap "
				 "did not return before the deadline");
}

/*
 * update/heap_table_refused: declarations the patch build refuses, each
 * with its reason and no patch written: a type that grows declared
 * converted in place; an array whose count is not a global of the base,
 * or not a field of one; an array of a type not converted on the heap.
 */
static enum test_result heap_table_refused(struct test_ctx *ctx)
{
	static const char *const cases[][2] = {
		{ "UPSTARE_HEAP_CONVERT_IN_PLACE(\"struct worker\");",
		  "UPSTARE_HEAP_CONVERT_IN_PLACE(\"struct worker\"): its objects grow from 16 to "
		  "24 bytes, and cannot be converted where they are" },
		{ "UPSTARE_HEAP_ARRAY(workers, nworker);",
		  "UPSTARE_HEAP_ARRAY(workers, nworker): the base has no global of that name" },
		{ "UPSTARE_HEAP_ARRAY(workers, settings.nthreads);",
		  "UPSTARE_HEAP_ARRAY(workers, settings.nthreads): the base's global has no such "
		  "field" },
		{ "UPSTARE_HEAP_ARRAY(events, max_fds);",
		  "UPSTARE_HEAP_ARRAY(events, max_fds): events is not a pointer to records "
		  "converted on the heap" },
	};
	enum test_result res = TEST_FAIL;
	char bad[4096];
	struct upd u;

	if (!upd_init(&u, ctx, "heap_table", &res))
		return res;
	snprintf(bad, sizeof(bad), "%s/bad.so", ctx->tmpdir);
	if (!upd_build(&u, "v1", "v1/prog.c"))
		goto out;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cmd_result r = { 0 };
		bool ok;

		run_cmd(&r, 120, "cd %1$s && printf '#include <upstare.h>\\n"
			"UPSTARE_HEAP_CONVERT(\"struct conn\");\\nUPSTARE_HEAP_CONVERT(\"struct "
			"worker\");\\n%3$s\\n' > decl.c && %2$s --patch --base v1 -O2 -pthread -o "
			"bad.so %4$s/selftests/updates/heap_table/v2/prog.c decl.c", ctx->tmpdir,
			upstare_cc(), cases[i][0], upstare_src_dir());
		ok = ASSERT_TRUE(r.status > 0, "the patch build fails") &&
		     ASSERT_STRSTR(r.err, cases[i][1], "the reason") &&
		     ASSERT_TRUE(access(bad, F_OK) != 0, "no patch written");
		cmd_result_free(&r);
		if (!ok)
			goto out;
	}
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

/*
 * update/heap_views: several views of the same objects (updates/heap_views):
 * a global array of workers that moves (its element type grew), two
 * pointers to it declared arrays, and a global of a typedef'd connection
 * (conn_t, fields swapped) with a pointer to it.  Found by review: each
 * declared array was converted again into an array of its own (same=0,
 * the views' counts apart), and the typedef'd global was not forwarded
 * (cur went to a copy).  Every view now leads to the converted global:
 * same=1, every count carried.
 */
static enum test_result heap_views(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	struct upd u;

	if (!upd_init(&u, ctx, "heap_views", &res))
		return res;
	if (upd_prepare(&u, "v2/prog.c heap.c") &&
	    upd_run(&u, "v1 n=20 same=1 w=20,20,20 p=20 b=20 hits=20 fd=7\n") &&
	    upd_expect(&u, "v2.so", 5000, "applied", "result") &&
	    upd_wait(&u, "v2 n=", 0, 10) &&
	    upd_waitf(&u, 0, 1, "v2 n=%1$ld same=1 w=%1$ld,%1$ld,%1$ld p=%1$ld b=%1$ld hits=%1$ld "
		      "fd=7\n", upd_last_value(&u, "v1 n=") + 1))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPDATE_TEST(heap_table, heap_table)
UPDATE_TEST(heap_views, heap_views)
UPDATE_TEST(heap_table_xforms, heap_table_xforms)
UPDATE_TEST(heap_table_bad_link, heap_table_bad_link)
UPDATE_TEST(heap_table_bad_count, heap_table_bad_count)
UPDATE_TEST(heap_table_xform_loop, heap_table_xform_loop)
UPDATE_TEST(heap_table_refused, heap_table_refused)
UPDATE_TEST(heap_list, heap_list)
UPDATE_TEST(heap_hash, heap_hash)
UPDATE_TEST(heap_bad_link, heap_bad_link)
UPDATE_TEST(heap_converted, heap_converted)
UPDATE_TEST(heap_converted_local, heap_converted_local)
UPDATE_TEST(heap_list_local, heap_list_local)
