/* Functions defined with an empty parameter list have no prototype: the
 * hand-over to the rebuild entry cannot be a musttail call there. */
#include <stdio.h>

static int n;

void report(void);
void report() { printf("report %d\n", n); }

void bump() { n++; }

static int depth(d) int d; { return d ? depth(d - 1) + 1 : 0; }

int total()
{
	int s = 0;

	for (int i = 0; i < 1000; i++) {
		bump();
		s += n;
	}
	return s;
}

int main()
{
	printf("%d %d %d\n", total(), n, depth(50));
	report();
	return 0;
}
