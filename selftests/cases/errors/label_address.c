// SPDX-License-Identifier: GPL-2.0
/*
 * A threaded interpreter whose dispatch table holds label addresses
 * (&&label): label values depend on where the code sits, which
 * instrumentation changes, so upstare-cc rejects them at the first one; with
 * --allow-unsupported it compiles the function as is.
 */
#include <stdio.h>

enum { OP_INC, OP_TRIPLE, OP_SHOW, OP_STOP };

static int triple(int v)
{
	return v * 3;
}

static int interpret(const unsigned char *code)
{
	static void *const ops[] = { &&inc, &&triple, &&show, &&stop }; // expect-error: address of a label
	int acc = 1;

	goto *ops[*code++];
inc:
	acc++;
	goto *ops[*code++];
triple:
	acc = triple(acc);
	goto *ops[*code++];
show:
	printf("acc=%d\n", acc);
	goto *ops[*code++];
stop:
	return acc;
}

int main(void)
{
	static const unsigned char code[] = {
		OP_INC, OP_TRIPLE, OP_SHOW, OP_INC, OP_INC, OP_TRIPLE, OP_SHOW, OP_STOP,
	};

	printf("result %d\n", interpret(code));
	return 0;
}
