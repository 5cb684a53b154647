// SPDX-License-Identifier: GPL-2.0
/*
 * Declaration initializers that call functions: scalars, structs, arrays
 * with initializer lists, char arrays from strings, const locals, several
 * declarators in one declaration (initialized in order, each seeing the
 * previous), and initializers inside a loop body, which run every time.
 */
#include <stdio.h>
#include <string.h>

struct pt {
	int x, y;
};

static int order;

static int next(int v)
{
	order++;
	printf("next(%d)#%d ", v, order);
	return v + order;
}

static struct pt mkpt(int x)
{
	struct pt p = { x, -x };

	return p;
}

static const char *word(int i)
{
	static const char *const words[] = { "zero", "one", "two" };

	return words[i % 3];
}

int main(void)
{
	int a = next(1);
	const int b = next(a);
	int c = next(b), d = c + next(c), e = d * 2;
	struct pt p = mkpt(next(5));
	struct pt q = { next(6), next(7) };
	int arr[5] = { next(8), next(9), [3] = next(10) };
	char s[16] = "hello";
	char t[] = "a longer string";
	const char *w = word(next(0));
	char u[8] = { 'x', (char)('a' + next(0) % 26), 0 };
	unsigned long len = strlen(t);

	printf("\n%d %d %d %d %d\n", a, b, c, d, e);
	printf("p=%d,%d q=%d,%d\n", p.x, p.y, q.x, q.y);
	for (int i = 0; i < 5; i++)
		printf("%d ", arr[i]);
	printf("\n%s %s %s %s %lu\n", s, t, w, u, len);
	for (int i = 0; i < 3; i++) {
		int fresh = next(i * 100);
		struct pt r = { fresh, i };
		char buf[4] = "ab";

		buf[2] = '0' + i;
		printf("\n%d %d %d %s\n", fresh, r.x, r.y, buf);
	}
	return 0;
}
