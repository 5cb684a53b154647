/* upstare-test: stdin="Hello, World 42!\nsecond line\n" */
// SPDX-License-Identifier: GPL-2.0
/*
 * Calls inside macros from system headers: assert(), getc()/putc() and
 * their _unlocked forms, the <ctype.h> classifiers, FD_SET/FD_ISSET and
 * htons.  The program's own calls in their arguments must run exactly
 * once, wherever the macro's expansion puts them.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <sys/select.h>

static int calls;

static int ok(int v)
{
	calls++;
	return v;
}

static FILE *out(void)
{
	calls++;
	return stdout;
}

static int upper(int c)
{
	calls++;
	return toupper(c);
}

int main(void)
{
	int c, alpha = 0, digit = 0, space = 0, lines = 0;
	fd_set set;

	assert(ok(1));
	assert(ok(2) == 2 && ok(3));
	while ((c = getc(stdin)) != EOF && c != '\n') {
		if (isalpha(ok(c)))
			alpha++;
		else if (isdigit(ok(c)))
			digit++;
		else if (isspace(c))
			space++;
		putc(upper(c), out());
	}
	putc('\n', out());
	while ((c = getc_unlocked(stdin)) != EOF) {
		putc_unlocked(islower(ok(c)) ? upper(c) : c, stdout);
		lines += c == '\n';
	}
	FD_ZERO(&set);
	FD_SET(ok(3), &set);
	FD_SET(ok(7), &set);
	printf("%d %d %d %d %d %d\n", alpha, digit, space, lines,
	       FD_ISSET(ok(7), &set) != 0, FD_ISSET(ok(4), &set) != 0);
	printf("%x calls=%d\n", htons((unsigned short)ok(0x1234)), calls);
	return 0;
}
