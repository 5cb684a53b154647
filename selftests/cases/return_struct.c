// SPDX-License-Identifier: GPL-2.0
/*
 * return of structure type in its forms: return f(x), return through a
 * function pointer, return of a conditional between two calls, of a
 * compound literal built from calls, of a member of a returned structure,
 * of a dereferenced returned pointer, and return g() from a void function.
 */
#include <stdio.h>

struct big {
	long v[6];
	char name[12];
};

struct small {
	short a;
	char b;
};

static int calls;

static struct big make(long base)
{
	struct big b = { { base, base + 1, base + 2, base + 3, base + 4, base + 5 }, "big" };

	calls++;
	return b;
}

static struct small tiny(int a)
{
	calls++;
	return (struct small){ (short)a, (char)('a' + a % 26) };
}

static struct big (*maker)(long) = make;
static struct big store[2];

static struct big *slot(int i)
{
	calls++;
	store[i & 1] = make(i * 7);
	return &store[i & 1];
}

static struct big plain(long x)
{
	return make(x);
}

static struct big via_ptr(long x)
{
	return maker(x * 2);
}

static struct big either(int c)
{
	return c ? make(c) : maker(-c);
}

static struct small built(int a)
{
	return (struct small){ tiny(a).a + tiny(a + 1).a, tiny(a).b };
}

static struct small member(int a)
{
	struct wrap {
		struct small s;
		int pad;
	};

	return ((struct wrap){ tiny(a), 0 }).s;
}

static struct big deref(int i)
{
	return *slot(i);
}

static void log_big(struct big b)
{
	calls++;
	printf("[%ld %s] ", b.v[5], b.name);
}

static void relay(int i)
{
	return log_big(deref(i));
}

int main(void)
{
	for (int i = 0; i < 4; i++) {
		struct big a = plain(i), b = via_ptr(i), c = either(i % 2), d = deref(i);
		struct small s = built(i), t = member(i);

		printf("%ld %ld %ld %ld %d%c %d%c ", a.v[0], b.v[1], c.v[2], d.v[3], s.a, s.b,
		       t.a, t.b);
		relay(i);
		printf("\n");
	}
	printf("calls=%d\n", calls);
	return 0;
}
