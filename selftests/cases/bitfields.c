// SPDX-License-Identifier: GPL-2.0
/*
 * Bit-fields: signed and unsigned, assigned from calls (truncated to the
 * field), compound assignment and increment that wrap, an unnamed padding
 * field, a zero-width field, and a struct of bit-fields returned by value.
 */
#include <stdio.h>

struct flags {
	unsigned a : 3;
	signed b : 4;
	unsigned : 2;
	unsigned c : 1;
	unsigned : 0;
	unsigned long long d : 40;
	_Bool e : 1;
};

static int val(int v)
{
	return v;
}

static struct flags make(int v)
{
	struct flags f = { 0 };

	f.a = v;
	f.b = -v;
	f.c = v & 1;
	f.d = 1ULL << 39 | (unsigned)v;
	f.e = v > 3;
	return f;
}

int main(void)
{
	struct flags f = make(val(5));

	printf("%u %d %u %llu %d\n", f.a, f.b, f.c, (unsigned long long)f.d, f.e);
	f.a = val(13);
	f.b = val(9);
	f.a += val(7);
	f.b++;
	f.c = !f.c;
	f.d -= val(1);
	printf("%u %d %u %llu %d size=%zu\n", f.a, f.b, f.c, (unsigned long long)f.d, f.e,
	       sizeof(f));
	for (int i = 0; i < 10; i++)
		f.a = make(i).a + f.a;
	printf("%u %d\n", f.a, make(val(2)).b);
	return 0;
}
