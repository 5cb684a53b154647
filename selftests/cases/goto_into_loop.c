// SPDX-License-Identifier: GPL-2.0
/*
 * Jumps into the middle of loop bodies and blocks: goto past a loop head,
 * into a block past a declaration, and Duff's device, where a switch jumps
 * into a do/while.  Loop rewriting must keep these entries working.
 */
#include <stdio.h>

static int calls;

static int note(int v)
{
	calls++;
	return v;
}

static void duff(char *to, const char *from, int count)
{
	int n = (count + 7) / 8;

	switch (count % 8) {
	case 0: do {	*to++ = *from++;
	case 7:		*to++ = *from++;
	case 6:		*to++ = *from++;
	case 5:		*to++ = *from++;
	case 4:		*to++ = *from++;
	case 3:		*to++ = *from++;
	case 2:		*to++ = *from++;
	case 1:		*to++ = (char)note(*from++);
		} while (--n > 0);
	}
}

int main(void)
{
	char dst[32] = { 0 };
	int i = 7, sum = 0;

	goto inside;
	while (i < 12) {
		sum += note(i) * 100;
inside:
		sum += note(i);
		i++;
	}
	printf("sum=%d i=%d\n", sum, i);

	i = 0;
	goto in_block;
	{
		int x = 5;

		i = 100;
in_block:
		x = note(3);
		i += x;
	}
	printf("i=%d\n", i);

	for (int k = 1; k <= 20; k += 5) {
		for (int m = 0; m < 32; m++)
			dst[m] = 0;
		duff(dst, "abcdefghijklmnopqrstuvwxyz", k);
		printf("%d:%s ", k, dst);
	}
	printf("\ncalls=%d\n", calls);
	return 0;
}
