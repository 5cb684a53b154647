/*
 * A record named only by a typedef (an unnamed struct), held by value in a
 * global of it, in another record and in an array.  Version 2 swaps its
 * fields: the size and every spelling stay the same.
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
typedef struct {
	int a;
	int b;
} pair_t;
#endif

struct outer {
	int tag;
	pair_t in;
};

pair_t p;
struct outer o;
pair_t arr[2];

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	p.a = 5;
	p.b = 7;
	o.in.a = 1;
	o.in.b = 2;
	arr[1].a = 3;
	arr[1].b = 4;
	for (long n = 1;; n++) {
		printf(VERSION " n=%ld p=%d,%d o=%d,%d arr=%d,%d\n", n, p.a, p.b, o.in.a, o.in.b,
		       arr[1].a, arr[1].b);
		usleep(10000);
	}
}
