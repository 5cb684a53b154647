// SPDX-License-Identifier: GPL-2.0
/*
 * Functions returning structs (small, large, with arrays), unions, pointers,
 * float, double, long double, _Complex, _Bool, and narrow integers that must
 * be sign- or zero-extended.  Hoisted results land in temporaries of the
 * callee's return type.
 */
#include <complex.h>
#include <stdio.h>

struct small {
	char a;
	short b;
};

struct large {
	long v[9];
	double d;
};

union num {
	int i;
	float f;
	unsigned char bytes[4];
};

static struct small r_small(int x)
{
	struct small s = { (char)x, (short)(x * 3) };

	return s;
}

static struct large r_large(int x)
{
	struct large l;

	for (int i = 0; i < 9; i++)
		l.v[i] = (long)x * i;
	l.d = x / 8.0;
	return l;
}

static union num r_union(int x)
{
	union num u;

	u.i = x;
	return u;
}

static const char *r_ptr(int x)
{
	return "pointer" + x;
}

static float r_float(int x)
{
	return x / 3.0f;
}

static double r_double(int x)
{
	return x / 7.0;
}

static long double r_ldouble(int x)
{
	return x / 9.0L;
}

static double complex r_complex(int x)
{
	return x + 2.0 * I;
}

static _Bool r_bool(int x)
{
	return x;
}

static signed char r_schar(int x)
{
	return (signed char)x;
}

static unsigned short r_ushort(int x)
{
	return (unsigned short)x;
}

static long long r_ll(int x)
{
	return (long long)x << 40;
}

int main(void)
{
	struct small s = r_small(7);
	struct large l = r_large(5);
	union num u = r_union(0x41424344);
	double complex z = r_complex(3) * r_complex(1);

	printf("%d %d\n", s.a, s.b);
	printf("%ld %ld %.3f\n", l.v[8], r_large(2).v[4], l.d);
	printf("%x %d\n", u.i, r_union(0x01020304).bytes[0] + u.bytes[1]);
	printf("%s %c\n", r_ptr(3), *r_ptr(1));
	printf("%.6f %.10f %.15Lf\n", r_float(10), r_double(10), r_ldouble(10));
	printf("%.2f %.2f\n", creal(z), cimag(z));
	printf("%d %d %d %d\n", r_bool(5), r_bool(0), r_schar(200), r_ushort(-1));
	printf("%lld %d\n", r_ll(3), r_schar(r_ushort(65535)) < 0);
	return 0;
}
