// SPDX-License-Identifier: GPL-2.0
/*
 * security/bad_numbers: upstarectl update's numbers are checked before
 * anything is asked of the target.  --timeout abc (once read as 0), 0 and
 * 4294967295 (once a wait of 49 days with a never-ready thread), and --pid
 * abc are usage errors: exit status 2, the option and the value named on
 * stderr; the running program is not updated and goes on in version 1.
 * Then the same patch applies with a good --timeout.
 */
#include <elf.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "updlib.h"

static bool refused_arg(struct upd *u, const char *args, const char *want)
{
	struct cmd_result r;
	bool ok;

	if (run_cmd(&r, 60, "%s/bin/upstarectl update --direct --patch %s/v2.so --json %s",
		    upstare_build_dir(), u->ctx->tmpdir, args))
		return test_fail_at(__FILE__, __LINE__, "upstarectl did not run");
	test_log("upstarectl update %s: status %d: %s%s", args, r.status, r.out, r.err);
	ok = ASSERT_EQ(r.status, 2, args) && ASSERT_STRSTR(r.err, want, args) &&
	     ASSERT_TRUE(!strstr(r.out, "\"result\""), "nothing asked of the target");
	cmd_result_free(&r);
	return ok;
}

static enum test_result bad_numbers(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char args[128];
	struct upd u;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	if (!upd_prepare(&u, "v2/prog.c xform.c") || !upd_run(&u, "v1 requests=20 "))
		goto out;
	snprintf(args, sizeof(args), "--pid %d --timeout abc", u.pid);
	if (!refused_arg(&u, args, "--timeout: 'abc' is not a number from 1 to 600000"))
		goto out;
	snprintf(args, sizeof(args), "--pid %d --timeout 0", u.pid);
	if (!refused_arg(&u, args, "--timeout: '0' is not a number"))
		goto out;
	snprintf(args, sizeof(args), "--pid %d --timeout 4294967295", u.pid);
	if (!refused_arg(&u, args, "--timeout: '4294967295' is not a number"))
		goto out;
	if (!refused_arg(&u, "--pid abc", "--pid: 'abc' is not a number"))
		goto out;
	if (!upd_goes_on(&u, "v1 requests=", false, NULL, NULL) ||
	    !upd_expect(&u, "v2.so", 5000, "applied", "a good --timeout") ||
	    !upd_wait(&u, "v2 requests=", 0, 10))
		goto out;
	res = TEST_PASS;
out:
	upd_stop(&u);
	return res;
}

UPSTARE_GROUP_TEST("security", bad_numbers, bad_numbers)

/*
 * security/patch_headers: a patch file whose section-name table claims
 * 2^64-1 bytes (once read past its buffer in the target, by
 * read_patch_ids) is refused as not a shared object; the program goes on
 * in version 1, and the good patch then applies.
 */
static bool break_shstrtab(const char *path)
{
	Elf64_Ehdr eh;
	uint64_t huge = UINT64_MAX;
	int fd = open(path, O_RDWR | O_CLOEXEC);
	bool ok = fd >= 0 && pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) &&
		  pwrite(fd, &huge, sizeof(huge), eh.e_shoff + eh.e_shstrndx * sizeof(Elf64_Shdr) +
			 offsetof(Elf64_Shdr, sh_size)) == sizeof(huge);

	if (fd >= 0)
		close(fd);
	return ASSERT_TRUE(ok, "shstrtab's size set to 2^64-1");
}

static enum test_result patch_headers(struct test_ctx *ctx)
{
	enum test_result res = TEST_FAIL;
	char path[512];
	struct upd u;

	if (!upd_init(&u, ctx, "struct_field", &res))
		return res;
	snprintf(path, sizeof(path), "%s/bad.so", ctx->tmpdir);
	if (upd_prepare(&u, "v2/prog.c xform.c") &&
	    upd_patch(&u, "v1", "bad.so", "v2/prog.c xform.c") && break_shstrtab(path) &&
	    upd_run(&u, "v1 requests=20 ") &&
	    upd_expect(&u, "bad.so", 5000, "refused", "the broken patch") &&
	    ASSERT_STRSTR(u.json, "bad.so: not a shared object", "the reason") &&
	    upd_goes_on(&u, "v1 requests=", false, NULL, NULL) &&
	    upd_expect(&u, "v2.so", 5000, "applied", "the good patch") &&
	    upd_wait(&u, "v2 requests=", 0, 10))
		res = TEST_PASS;
	upd_stop(&u);
	return res;
}

UPSTARE_GROUP_TEST("security", patch_headers, patch_headers)
