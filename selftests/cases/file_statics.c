// SPDX-License-Identifier: GPL-2.0
/*
 * File-scope statics: variables, arrays, a static function pointer, static
 * functions with the names other code might use, and a static with the same
 * name as a static local elsewhere.  Exporting them must not change values.
 */
#include <stdio.h>

static int counter = 3;
static const int table[] = { 2, 3, 5, 7, 11, 13 };
static char message[] = "static";
static int (*op)(int, int);
static struct {
	int n;
	const char *s;
} config = { 4, "cfg" };

static int add(int a, int b)
{
	return a + b;
}

static int mul(int a, int b)
{
	return a * b;
}

static int bump(void)
{
	static int counter = 40;

	return counter++ + 0 * sizeof(table);
}

int main(void)
{
	int acc = 0;

	op = add;
	for (int i = 0; i < 6; i++) {
		acc = op(acc, table[i]);
		if (i == 2)
			op = mul;
	}
	counter += bump();
	counter += bump();
	message[0] = 'S';
	printf("acc=%d counter=%d %s %d %s\n", acc, counter, message, config.n, config.s);
	return 0;
}
