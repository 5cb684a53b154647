// SPDX-License-Identifier: GPL-2.0
/*
 * Types defined at block scope: a struct, a union, an enum and a typedef
 * declared inside nested blocks, two different "struct pair" in sibling
 * blocks, and a block-scope struct that shadows a file-scope one.  Locals
 * of these types live across calls, so hoisting them must keep each type
 * visible where it is used.  Static locals of block-scope types (they move
 * to file scope), an array of a block-scope struct sized by its
 * initializer, anonymous enums of one constant name in two blocks, and a
 * struct that names a local in sizeof.
 */
#include <stdio.h>

struct pair {
	long first, second;
};

static int twice(int v)
{
	return 2 * v;
}

static long outer_sum(struct pair p)
{
	return p.first + p.second;
}

static int lookup(const char *name)
{
	struct mode {
		const char *name;
		int value;
	};
	static const struct mode modes[] = { { "ro", 1 }, { "rw", 2 }, { "rwc", 6 } };
	struct builtin {
		const char *name;
		int (*fn)(int);
	} builtins[] = { { "twice", twice }, { "again", twice } };
	int r = 0;

	for (unsigned i = 0; i < sizeof(modes) / sizeof(modes[0]); i++)
		if (!__builtin_strcmp(modes[i].name, name))
			r = builtins[i % 2].fn(modes[i].value);
	return r;
}

static int blocks_again(int v)
{
	int buf[7] = { 0 };

	if (v > 2) {
		enum { SLOTS = 4 };
		typedef int slot_t;
		static slot_t slots[SLOTS];

		slots[v % SLOTS] += twice(v);
		v += slots[v % SLOTS];
	} else {
		enum { SLOTS = 9 };
		struct sized {
			char c[sizeof(buf) + SLOTS];
		} sz;

		sz.c[0] = (char)twice(v);
		v += (int)sizeof(sz) + sz.c[0];
	}
	return v;
}

int main(void)
{
	struct pair file_scope = { 1, 2 };
	long total = outer_sum(file_scope);

	{
		struct pair {
			char tag;
			int value;
		} p = { 'a', twice(10) };
		union num {
			int i;
			unsigned char b[4];
		} u = { .i = twice(0x01010101) };
		enum level { LOW = 3, HIGH = 7 } lv = HIGH;
		typedef struct pair local_pair;
		local_pair copy = p;

		copy.value += twice(lv);
		total += p.tag + p.value + copy.value + u.b[0] + LOW;
	}
	for (int i = 0; i < 3; i++) {
		struct pair {
			double x;
			int n;
		} q = { i * 0.5, twice(i) };
		enum level { LOW = 100 } base = LOW;

		total += (long)(q.x * 10) + q.n + base + twice(q.n);
	}
	total += outer_sum((struct pair){ twice(3), 4 });
	total += lookup("rw") + lookup("rwc") + lookup("none");
	for (int i = 0; i < 5; i++)
		total += blocks_again(i);
	printf("total=%ld\n", total);
	return 0;
}
