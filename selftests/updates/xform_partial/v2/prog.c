/* Version 2: the union gains a long, the fields move, the counter is total. */
#define VERSION "v2"
union val {
	long l;
	int i;
	float f;
};
struct cfg {
	char name[8];
	union val v;
	int port;
	long total;
	int lo, hi;
};
#define SHOW(c) printf(VERSION " n=%ld port=%d v=%ld name=%s total=%ld\n", n, (c).port, \
		       (c).v.l, (c).name, (c).total)
#define COUNT(c) ((c).total++)
#include "../v1/prog.c"
