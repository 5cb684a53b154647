// SPDX-License-Identifier: GPL-2.0
/*
 * Constructor and destructor functions run outside main: before it and
 * after it returns.  They call program functions, so they are instrumented
 * code running before and after the runtime's wrapper around main.
 */
#include <stdio.h>

static int state;

static void note(const char *what)
{
	printf("%s state=%d\n", what, state);
}

__attribute__((constructor)) static void early(void)
{
	state = 10;
	note("constructor");
}

__attribute__((constructor(200))) static void earlier(void)
{
	state = 5;
	note("constructor 200");
}

__attribute__((destructor)) static void late(void)
{
	state++;
	note("destructor");
	fflush(stdout);
}

int main(void)
{
	state *= 2;
	note("main");
	return 0;
}
