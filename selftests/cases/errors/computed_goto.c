// SPDX-License-Identifier: GPL-2.0
/*
 * A computed goto (goto *p) dispatching a small bytecode: a frame cannot be
 * resumed at a jump whose target is only known at run time, so upstare-cc
 * rejects it, and with --allow-unsupported compiles the function as is.
 */
#include <stdio.h>

enum { OP_ADD, OP_DOUBLE, OP_PRINT, OP_END };

static int twice(int v)
{
	return v * 2;
}

static int run(const unsigned char *code)
{
	static void *table[4];
	int acc = 0, pc = 0;

	goto setup;
dispatch:
	goto *table[code[pc++]]; // expect-error: computed goto
op_add:
	acc += code[pc++];
	goto dispatch;
op_double:
	acc = twice(acc);
	goto dispatch;
op_print:
	printf("acc=%d\n", acc);
	goto dispatch;
op_end:
	return acc;
setup:
	table[OP_ADD] = &&op_add;
	table[OP_DOUBLE] = &&op_double;
	table[OP_PRINT] = &&op_print;
	table[OP_END] = &&op_end;
	goto dispatch;
}

int main(void)
{
	static const unsigned char code[] = {
		OP_ADD, 3, OP_DOUBLE, OP_PRINT, OP_ADD, 10, OP_DOUBLE, OP_PRINT, OP_END,
	};

	printf("result %d\n", run(code));
	return 0;
}
