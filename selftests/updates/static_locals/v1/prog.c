/* Two static locals of the same name in two functions keep their values. */
#include <stdio.h>
#include <unistd.h>

static int f(void)
{
	static int count = 0;

	return ++count;
}

static int g(void)
{
	static int count = 1000;

	return ++count;
}

int main(void)
{
	int a, b;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (;;) {
		a = f();
		b = g();
		printf("v1 f=%d g=%d\n", a, b);
		usleep(2000);
	}
	return 0;
}
