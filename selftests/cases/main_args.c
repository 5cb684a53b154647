/* upstare-test: args="one 'two words' 3" status=4 */
// SPDX-License-Identifier: GPL-2.0
/*
 * main(int argc, char **argv) without envp: the instrumented main must get
 * the same arguments, and argv[argc] must still be NULL.
 */
#include <stdio.h>
#include <string.h>

static int total_len(int argc, char **argv)
{
	int n = 0;

	for (int i = 1; i < argc; i++)
		n += (int)strlen(argv[i]);
	return n;
}

int main(int argc, char **argv)
{
	printf("argc=%d\n", argc);
	for (int i = 1; i < argc; i++)
		printf("argv[%d]=%s\n", i, argv[i]);
	printf("len=%d null=%d\n", total_len(argc, argv), argv[argc] == NULL);
	return argc;
}
