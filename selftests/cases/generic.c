// SPDX-License-Identifier: GPL-2.0
/*
 * _Generic: the controlling expression is not evaluated, only the selected
 * association is, and the associations may contain calls or name functions
 * that are then called.  The selections are in helpers that main calls in
 * a loop, so main's frame is unwound and rebuilt around them.
 */
#include <stdio.h>

static int calls;

static int ctl(void)
{
	calls += 1000;
	return 0;
}

static int for_int(int v)
{
	calls++;
	return v + 1;
}

static double for_double(double v)
{
	calls += 10;
	return v / 2;
}

static const char *for_str(const char *s)
{
	calls += 100;
	return s + 1;
}

#define PROCESS(x) _Generic((x), int: for_int, double: for_double, char *: for_str)(x)
#define KIND(x) _Generic((x), int: "int", long: "long", default: "other")

static void selected_function(int round)
{
	int i = PROCESS(41 + round);
	double d = PROCESS(5.0 * round);
	char text[] = "generic";
	const char *s = PROCESS(text);

	printf("%d %.2f %s\n", i, d, s);
}

static void selected_call(void)
{
	int sel = _Generic(ctl(), int: for_int(1), default: for_int(100));

	printf("%d %s %s %s\n", sel, KIND(ctl()), KIND(1L), KIND(for_double(2)));
}

struct pair {
	int a, b;
};

static struct pair mkpair(int a)
{
	calls++;
	return (struct pair){ a, a * 2 };
}

static void say(const char *s)
{
	calls++;
	printf("say %s\n", s);
}

/* associations of different types, one of them a structure, and void ones */
static void selected_kinds(long v)
{
	struct pair p = _Generic(v, long: mkpair(for_int((int)v)), default: mkpair(0));
	double d = _Generic(v, int: for_int(1), long: for_double(v) + for_int(2), default: 0.5);

	_Generic(v + 0.0, double: say("double"), default: say("other"));
	printf("%d %d %.2f\n", p.a, p.b, d);
}

int main(void)
{
	for (int round = 0; round < 3; round++) {
		selected_function(round);
		selected_call();
		selected_kinds(round * 7L);
	}
	printf("calls=%d\n", calls);
	return 0;
}
