/* A struct global and a struct local whose fields the next version swaps. */
#include <stdio.h>
#include <unistd.h>

struct pair {
	int a;
	int b;
};

struct pair g = { 0, 100 };

int main(void)
{
	struct pair l = { 0, 200 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		g.a++;
		l.a++;
		printf("v1 g=%d,%d l=%d,%d\n", g.a, g.b, l.a, l.b);
		usleep(2000);
	}
	return 0;
}
