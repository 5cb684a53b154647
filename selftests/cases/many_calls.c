// SPDX-License-Identifier: GPL-2.0
/*
 * One function with more than 500 call sites and one with a 300-case
 * switch: continuation point ids and the rebuild dispatch must scale
 * past 8-bit and other small limits.
 */
#include <stdio.h>

static unsigned long acc = 1;

static void mix(int v)
{
	acc = acc * 31 + (unsigned)v;
}

#define C4(n) mix(n); mix(n + 1); mix(n + 2); mix(n + 3);
#define C16(n) C4(n) C4(n + 4) C4(n + 8) C4(n + 12)
#define C64(n) C16(n) C16(n + 16) C16(n + 32) C16(n + 48)
#define C256(n) C64(n) C64(n + 64) C64(n + 128) C64(n + 192)

static void lots(void)
{
	C256(0)
	C256(256)
	C16(512)
}

#define K4(n) case n: mix(n); break; case n + 1: mix(n * 2); break; \
	case n + 2: mix(n * 3); break; case n + 3: mix(n ^ 5); break;
#define K16(n) K4(n) K4(n + 4) K4(n + 8) K4(n + 12)
#define K64(n) K16(n) K16(n + 16) K16(n + 32) K16(n + 48)

static void dispatch(int v)
{
	switch (v) {
	K64(0)
	K64(64)
	K64(128)
	K64(192)
	K16(256)
	K16(272)
	K4(288)
	default:
		mix(-1);
	}
}

int main(void)
{
	lots();
	printf("%lu\n", acc);
	for (int i = 0; i < 310; i++)
		dispatch(i);
	printf("%lu\n", acc);
	return 0;
}
