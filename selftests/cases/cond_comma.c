// SPDX-License-Identifier: GPL-2.0
/*
 * A comma expression as the middle operand of ?:, unparenthesized, whose
 * other branch calls (sqlite's putVarint32 macro): the value of the branch
 * is the comma's right operand, and its left operand's store happens.
 */
#include <stdio.h>

static int put_long(unsigned char *p, unsigned v)
{
	int n = 0;

	do {
		p[n++] = (unsigned char)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		v >>= 7;
	} while (v);
	return n;
}

#define put32(A, B) (unsigned char)((B) < 0x80 ? (*(A) = (unsigned char)(B)), 1 : put_long((A), (B)))

int main(void)
{
	unsigned char buf[64];
	unsigned vals[] = { 5, 127, 128, 300, 70000, 1 };
	int off = 0, sum = 0;

	for (unsigned i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
		off += put32(&buf[off], vals[i]);
	for (int i = 0; i < off; i++)
		sum = sum * 31 + buf[i];
	printf("%d %d\n", off, sum);
	return 0;
}
