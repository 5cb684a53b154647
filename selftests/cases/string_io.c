/* upstare-test: stdin="10 20 thirty\nalpha,beta,,gamma\n" */
// SPDX-License-Identifier: GPL-2.0
/*
 * Library calls that take program calls as arguments and are themselves
 * loop conditions: scanf into locals, fgets in a while, strtok with a call
 * in the loop condition, snprintf with call arguments, and printf with
 * several call arguments.
 */
#include <stdio.h>
#include <string.h>

static int twice(int v)
{
	return v * 2;
}

static const char *delims(void)
{
	return ",\n";
}

int main(void)
{
	char word[32], line[128], buf[64], *tok;
	int a, b, n, count = 0;

	n = scanf("%d %d %31s ", &a, &b, word);
	printf("%d %d %d %s\n", n, twice(a), twice(b), word);
	while (fgets(line, sizeof(line), stdin)) {
		for (tok = strtok(line, delims()); tok; tok = strtok(NULL, delims()))
			printf("[%s:%zu]", tok, strlen(tok));
		printf("\n");
		count++;
	}
	n = snprintf(buf, sizeof(buf), "%d/%d/%s", twice(count), twice(twice(3)), word);
	printf("%s %d\n", buf, n);
	return 0;
}
