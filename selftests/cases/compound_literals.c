// SPDX-License-Identifier: GPL-2.0
/*
 * Compound literals holding calls: as arguments, as pointers kept in a
 * variable, as array literals indexed directly, re-created on each loop
 * iteration, and at file scope.
 */
#include <stdio.h>

struct v2 {
	int x, y;
};

static int calls;

static int f(int v)
{
	calls++;
	return v * 2;
}

static int len2(struct v2 v)
{
	return v.x * v.x + v.y * v.y;
}

static int sum(const int *a, int n)
{
	int s = 0;

	while (n--)
		s += a[n];
	return s;
}

static struct v2 *origin = &(struct v2){ 0, 0 };

int main(void)
{
	struct v2 *p = &(struct v2){ f(1), f(2) };
	int total = 0;

	printf("%d\n", len2((struct v2){ f(3), .y = f(4) }));
	printf("%d %d\n", p->x, p->y);
	printf("%d\n", sum((int[]){ f(1), f(2), f(3), 4 }, 4));
	printf("%d\n", (int[]){ 5, f(6), 7 }[1]);
	for (int i = 0; i < 4; i++) {
		int *q = (int[3]){ i, f(i), 0 };

		q[2] = q[0] + q[1];
		total += q[2];
	}
	origin->x = f(21);
	printf("total=%d origin=%d calls=%d\n", total, origin->x, calls);
	return 0;
}
