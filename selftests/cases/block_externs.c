// SPDX-License-Identifier: GPL-2.0
/*
 * Block-scope extern declarations named by a static local's initializer:
 * the static moves to file scope, and the declarations it names must be
 * visible there too (SQLite's test1.c declares its extensions' entry
 * points this way, then lists them in a static table).
 */
#include <stdio.h>

static int run(const char *name, int x)
{
	extern int ext_one(int), ext_two(int);
	extern int ext_base;
	static const struct {
		const char *name;
		int (*fn)(int);
		const int *base;
	} table[] = {
		{ "one", ext_one, &ext_base },
		{ "two", ext_two, &ext_base },
	};

	for (unsigned i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (name[0] == table[i].name[0] && name[1] == table[i].name[1])
			return table[i].fn(x) + *table[i].base;
	return -1;
}

/* defined after run(): there only its own declarations name them */
int ext_one(int x)
{
	return x + 1;
}

int ext_two(int x)
{
	return x * 2;
}

int ext_base = 40;

int main(void)
{
	int sum = 0;

	for (int i = 0; i < 1000; i++)
		sum += run(i % 3 ? "one" : "two", i) % 97;
	printf("sum=%d one=%d two=%d none=%d\n", sum, run("one", 1), run("two", 2),
	       run("three", 3));
	return 0;
}
