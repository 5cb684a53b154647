// SPDX-License-Identifier: GPL-2.0
/*
 * The conditional operator with structure and union operands: arms that
 * call functions returning structures, a member of the result, nested
 * conditionals, a structure with a const member (which cannot be
 * assigned, only initialized), conditionals as arguments and in return
 * statements.  Only the chosen arm may run.
 */
#include <stdio.h>

struct pt {
	int x, y;
	char tag[6];
};

struct ro {
	const int id;
	double w;
};

union num {
	long l;
	double d;
};

static int calls;

static struct pt mk(int x, int y)
{
	calls++;
	return (struct pt){ x, y, "mk" };
}

static struct pt far(int k)
{
	calls += 10;
	return (struct pt){ k * 100, -k, "far" };
}

static struct ro ro(int id)
{
	calls += 100;
	return (struct ro){ id, id / 2.0 };
}

static union num asl(long v)
{
	calls++;
	return (union num){ .l = v };
}

static int pick(int i)
{
	calls += 1000;
	return i % 3;
}

static int sum(struct pt p)
{
	return p.x + p.y;
}

static struct pt choose(int i)
{
	return i & 1 ? mk(i, i + 1) : i & 2 ? far(i) : mk(-i, 0);
}

int main(void)
{
	struct pt fixed = { 1, 2, "fix" };

	for (int i = 0; i < 6; i++) {
		struct pt a = i > 2 ? mk(i, 2 * i) : far(i);
		struct pt b = pick(i) ? fixed : mk(i, i);
		int x = (i % 2 ? mk(i, 0) : far(i)).x;
		const char *t = (pick(i) == 1 ? far(i) : mk(0, i)).tag;
		struct ro r = i < 3 ? ro(i) : ro(-i);
		union num n = i % 2 ? asl(i) : (union num){ .l = -1 };

		printf("%d %d %s | %d %d %s | %d %c | %d %.1f | %ld | %d %d\n", a.x, a.y, a.tag,
		       b.x, b.y, b.tag, x, t[0], r.id, r.w, n.l,
		       sum(i & 1 ? fixed : mk(i, 1)), choose(i).x);
	}
	printf("calls=%d\n", calls);
	return 0;
}
