// SPDX-License-Identifier: GPL-2.0
/*
 * __auto_type locals (their type comes from the initializer, which stays
 * where it was when the declaration is hoisted) of scalar, structure and
 * pointer type, a const one, and an _Alignas array initialized by a call.
 */
#include <stdio.h>
static int calls;
static double f(int v) { calls++; return v / 2.0; }
struct pt { int x, y; };
static struct pt mk(int v) { calls++; return (struct pt){ v, v + 1 }; }
int main(void)
{
	double s = 0;
	for (int i = 0; i < 4; i++) {
		__auto_type a = f(i);
		__auto_type p = mk(i);
		__auto_type q = &p;
		const __auto_type c = i * 2;
		s += a + q->y + c;
	}
	_Alignas(32) int al[4] = { (int)f(4), 2 };
	printf("%.2f %d %d calls=%d\n", s, al[0], (int)((unsigned long)al % 32), calls);
	return 0;
}
