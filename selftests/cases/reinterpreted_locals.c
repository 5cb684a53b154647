// SPDX-License-Identifier: GPL-2.0
/*
 * Locals whose address is used at once stay in the native frame: read
 * through "*(T *)&x", "((T *)&x)->f" or "((unsigned char *)&x)[i]" (how
 * SQLite reinterprets an integer's bits, "*(i64 *)&iKey"), or given to
 * memcpy(), memset() or memcmp().  No pointer to them is left when a call
 * returns, so none can be kept across a rebuild.  Each is read and written
 * on both sides of calls that unwind and rebuild the stack.
 *
 * The ones whose address is kept, even through such an expression, live
 * on the side stack, where a kept pointer stays valid: "&*(int *)&x", an
 * array member of "((struct s *)&v)" decaying, the pointer memcpy()
 * returns, an address captured before a call in the same expression
 * ("((unsigned char *)&w)[idx()]", "memcpy(&z, src(), 4)").
 *
 * The "expect-side-stack" lines list each function's locals on the side
 * stack, which the instr case checks against the metadata.
 *
 * upstare-test: unwind=1
 */
// expect-side-stack: float_bits
// expect-side-stack: split_halves
// expect-side-stack: mem_calls
// expect-side-stack: kept_deref x
// expect-side-stack: kept_member_array v
// expect-side-stack: kept_memcpy_result y
// expect-side-stack: captured_index w
// expect-side-stack: captured_memcpy z
#include <stdio.h>
#include <string.h>

struct halves {
	unsigned lo, hi;
};

struct named {
	char name[8];
	int n;
};

static int *keep_int;
static char *keep_name;
static volatile int spin = 3;
static unsigned src_word = 0x01020304u;

/* loops, so it is not quiet: a call to it has a continuation point */
static int tick(int n)
{
	int s = 0;

	for (int i = 0; i < spin + n % 3; i++)
		s += i * n;
	return s;
}

static unsigned idx(unsigned i)
{
	tick((int)i);
	return i % 4;
}

static const unsigned *src(void)
{
	tick(1);
	return &src_word;
}

static unsigned float_bits(float f, int k)
{
	unsigned u = *(unsigned *)&f;
	unsigned sum = 0;

	u ^= (unsigned)tick(k);
	for (int i = 0; i < 4; i++) {
		sum += ((unsigned char *)&u)[i];
		((unsigned char *)&u)[i] ^= (unsigned char)tick(i + k);
	}
	*(float *)&f += (float)k;
	return sum * 31 + u + *(unsigned *)&f + (unsigned)tick(k);
}

static unsigned long long split_halves(unsigned long long v)
{
	struct halves h;
	unsigned lo, hi;

	*(unsigned long long *)&h = v;
	lo = ((struct halves *)&h)->lo + (unsigned)tick(2);
	hi = (*(struct halves *)&h).hi;
	((struct halves *)&h)->lo = hi;
	h.hi = lo + (unsigned)tick(3);
	return *(unsigned long long *)&h;
}

static int mem_calls(double d)
{
	unsigned long long bits, other;
	struct halves s;

	memcpy(&bits, &d, sizeof(bits));
	memset(&s, 0, sizeof(s));
	tick(4);
	memcpy(&other, &bits, sizeof(other));
	other ^= (unsigned long long)tick(5);
	(void)memset(&s, 1, sizeof(s.lo));
	s.hi = (unsigned)tick(6);
	if (memcmp(&other, &bits, sizeof(bits)) == 0)
		return -1;
	return (int)(other % 1000) + (int)(s.lo % 1000) + (int)s.hi;
}

static int kept_deref(int a)
{
	int x = a;

	keep_int = &*(int *)&x;
	tick(7);
	*keep_int += 5;
	tick(8);
	return x;
}

static int kept_member_array(void)
{
	struct named v;

	memset(&v, 0, sizeof(v));
	keep_name = ((struct named *)&v)->name;
	tick(9);
	strcpy(keep_name, "kept");
	tick(10);
	return (int)strlen(v.name) * 100 + v.name[0];
}

static int kept_memcpy_result(void)
{
	int y, one = 1;

	keep_int = memcpy(&y, &one, sizeof(y));
	tick(11);
	*keep_int += 40;
	tick(12);
	return y;
}

static unsigned captured_index(unsigned i)
{
	unsigned w = 0x11223344u;

	((unsigned char *)&w)[idx(i)] = 0x55;
	tick(13);
	return w;
}

static unsigned captured_memcpy(void)
{
	unsigned z = 0;

	memcpy(&z, src(), sizeof(z));
	tick(14);
	return z;
}

int main(void)
{
	printf("float_bits %u %u\n", float_bits(1.5f, 1), float_bits(-0.25f, 2));
	printf("split_halves %llx\n", split_halves(0x1122334455667788ull));
	printf("mem_calls %d\n", mem_calls(3.25));
	printf("kept_deref %d\n", kept_deref(10));
	printf("kept_member_array %d\n", kept_member_array());
	printf("kept_memcpy_result %d\n", kept_memcpy_result());
	for (unsigned i = 0; i < 4; i++)
		printf("captured_index %u %x\n", i, captured_index(i));
	printf("captured_memcpy %x\n", captured_memcpy());
	return 0;
}
