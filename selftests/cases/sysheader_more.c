/* upstare-test: stdin="abc 123\nx9y\n" */
// SPDX-License-Identifier: GPL-2.0
/*
 * More system-header macros around the program's calls: assert() with a
 * call, putc/putchar/getchar, toupper/isdigit on call results, FD_SET and
 * FD_ISSET with a computed descriptor, htonl, and MIN/MAX from
 * <sys/param.h>, which evaluate an argument twice: the instrumented
 * program must call exactly as often as the plain one.
 */
#include <arpa/inet.h>
#include <assert.h>
#include <ctype.h>
#include <stdio.h>
#include <sys/param.h>
#include <sys/select.h>

static int calls;

static int f(int v)
{
	calls++;
	return v;
}

static int next_char(void)
{
	calls++;
	return getchar();
}

int main(void)
{
	fd_set s;
	int c, n = 0, digits = 0;

	FD_ZERO(&s);
	for (int i = 0; i < 5; i++) {
		assert(f(i) >= 0);
		FD_SET(f(i * 3), &s);
	}
	for (int i = 0; i < 16; i++)
		n += FD_ISSET(f(i), &s) ? 1 : 0;
	printf("set=%d calls=%d\n", n, calls);
	printf("max=%d min=%d calls=%d\n", MAX(f(3), f(4)), MIN(f(8), f(5)), calls);
	printf("htonl=%x calls=%d\n", (unsigned)htonl((unsigned)f(0x01020304)), calls);
	while ((c = next_char()) != EOF) {
		digits += isdigit(f(c)) != 0;
		putc(toupper(f(c)), stdout);
		if (c == '\n')
			putchar(f('>'));
	}
	printf("\ndigits=%d calls=%d\n", digits, calls);
	return 0;
}
