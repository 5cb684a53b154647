/*
 * Read-only data that version 2 changes without changing its type: a
 * dispatch table of names and functions (v2 renames an entry and points
 * another to a new function) and a banner.  Entries are read through a
 * volatile index so that the compiler cannot fold them into the code.
 * Beside them, a writable function pointer whose parameter is a read-only
 * pointer, set at run time: not read-only data.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
#define OPS { { "get", op_get }, { "put", op_put } }
#define BANNER "first banner"
#endif

struct op {
	const char *name;
	int (*fn)(void);
};

static int op_get(void)
{
	return 1;
}

static int op_put(void)
{
	return 2;
}

#ifdef OP_PUT2
static int op_put2(void)
{
	return 22;
}
#endif

static int one(char *const s)
{
	return s[0] == 'x';
}

static int two(char *const s)
{
	return 2 * (s[0] == 'x');
}

const struct op ops[2] = OPS;
int (*pick)(char *const) = one;
const char banner[16] = BANNER;

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	pick = two;
	for (long n = 1;; n++) {
		volatile int a = 0, b = 1;

		char x[] = "x";

		printf(VERSION " n=%ld %s=%d %s=%d banner=%s pick=%d\n", n, ops[a].name,
		       ops[a].fn(), ops[b].name, ops[b].fn(), &banner[a], pick(x));
		usleep(10000);
	}
}
