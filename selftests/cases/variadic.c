// SPDX-License-Identifier: GPL-2.0
/*
 * Variadic functions: va_start/va_arg/va_end over ints, doubles and
 * pointers, va_copy, passing a va_list on to another function (ours and
 * vsnprintf), and calls as variadic arguments.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int sum_ints(int n, ...)
{
	va_list ap;
	int s = 0;

	va_start(ap, n);
	while (n--)
		s += va_arg(ap, int);
	va_end(ap);
	return s;
}

static double vmean(int n, va_list ap)
{
	double s = 0;

	for (int i = 0; i < n; i++)
		s += va_arg(ap, double);
	return n ? s / n : 0;
}

static double mean(int n, ...)
{
	va_list ap, copy;
	double m, again;

	va_start(ap, n);
	va_copy(copy, ap);
	m = vmean(n, ap);
	again = vmean(n, copy);
	va_end(copy);
	va_end(ap);
	return m == again ? m : -1;
}

static int fmt(char *buf, size_t size, const char *f, ...)
{
	va_list ap;
	int n;

	va_start(ap, f);
	n = vsnprintf(buf, size, f, ap);
	va_end(ap);
	return n;
}

static const char *join(const char *first, ...)
{
	static char out[128];
	va_list ap;
	const char *s;

	out[0] = 0;
	va_start(ap, first);
	for (s = first; s; s = va_arg(ap, const char *)) {
		strcat(out, s);
		strcat(out, "/");
	}
	va_end(ap);
	return out;
}

static int three(void)
{
	return 3;
}

int main(void)
{
	char buf[64];
	int n;

	printf("%d %d\n", sum_ints(4, 1, 2, 3, 4), sum_ints(3, three(), sum_ints(2, 5, 6), three()));
	printf("%.3f\n", mean(3, 1.0, 2.5, 4.0));
	n = fmt(buf, sizeof(buf), "%d-%s-%.1f-%c", three(), "x", 2.25, 'q');
	printf("%s %d\n", buf, n);
	printf("%s\n", join("a", "bb", "ccc", (char *)0));
	return 0;
}
