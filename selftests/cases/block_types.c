// SPDX-License-Identifier: GPL-2.0
/*
 * Types defined at block scope: a struct, a union, an enum and a typedef
 * declared inside nested blocks, two different "struct pair" in sibling
 * blocks, and a block-scope struct that shadows a file-scope one.  Locals
 * of these types live across calls, so hoisting them must keep each type
 * visible where it is used.  Static locals of block-scope types (they move
 * to file scope), an array of a block-scope struct sized by its
 * initializer, anonymous enums of one constant name in two blocks, a
 * struct that names a local in sizeof, a block tag declared before it is
 * defined (shadowing a file-scope one) with a nested struct, typedefs of
 * anonymous structs of one name in two blocks, enum constants as case
 * labels, and locals of anonymous enum types (the enum moves to file scope
 * for its constants and takes a tag there).
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

static long more_forms(int argc)
{
	long total = 0;

	{
		struct pair;
		struct pair *pp;
		struct pair {
			long big;
			struct inner {
				int a, b;
			} in;
		} n = { twice(5), { 1, 2 } };
		typedef struct {
			int x;
		} anon_t;
		anon_t a = { twice(3) };

		pp = &n;
		total += pp->big + pp->in.a + a.x + (long)sizeof(struct inner);
	}
	{
		typedef struct {
			double d;
		} anon_t;
		anon_t a = { twice(4) * 1.5 };
		enum color { RED, GREEN = 5, BLUE };

		switch (twice(argc) + 3) {
		case GREEN:
			total += 100;
			break;
		case BLUE:
			total += 200;
			break;
		default:
			total += RED;
		}
		total += (long)a.d;
	}
	return total;
}

static int anon_enum_locals(int v)
{
	int r = 0;

	if (v & 1) {
		enum { ODD = 3, ODDER } kind = v > 2 ? ODDER : ODD;

		r = twice(v) + kind;
		r += kind == ODDER;
	} else {
		enum { EVEN = -2, EVENER = 40 } kind = EVEN, other = EVENER;

		r = twice(v) + kind + other;
		r *= kind < 0;
	}
	return r;
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
		total += blocks_again(i) + more_forms(i) + anon_enum_locals(i);
	printf("total=%ld\n", total);
	return 0;
}
