/* Function pointers in a global table and in a heap object. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

struct obj {
	int (*fn)(int);
};

static int op_a(int x)
{
	return x + 1;
}

static int op_b(int x)
{
	return x + 2;
}

int (*table[2])(int) = { op_a, op_b };

int main(void)
{
	struct obj *o = malloc(sizeof(*o));
	int a, b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	o->fn = op_b;
	for (;;) {
		a = table[0](10);
		b = o->fn(10);
		printf("v1 table=%d heap=%d\n", a, b);
		usleep(2000);
	}
	return 0;
}
