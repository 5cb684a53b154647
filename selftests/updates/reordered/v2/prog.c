/* Version 2: the fields of struct pair are swapped (same size). */
#include <stdio.h>
#include <unistd.h>

struct pair {
	int b;
	int a;
};

struct pair g = { 100, 0 };

int main(void)
{
	struct pair l = { 200, 0 };

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		g.a++;
		l.a++;
		printf("v2 g=%d,%d l=%d,%d\n", g.a, g.b, l.a, l.b);
		usleep(2000);
	}
	return 0;
}
