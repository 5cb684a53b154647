// SPDX-License-Identifier: GPL-2.0
/*
 * Valid but old-fashioned C: register and auto locals, a non-prototype
 * declaration "int f()", block-scope function and extern declarations,
 * several declarators with calls in one declaration, a block-scope typedef,
 * digraphs, string concatenation, [static N] parameters, and unsigned
 * arithmetic that wraps.
 */
#include <stdio.h>

int total = 5;

int twice();

static int sum3(const int a[static 3])
<%
	return a<:0:> + a<:1:> + a<:2:>;
%>

int main(void)
{
	register int r = 3;
	auto int a = 4;
	int helper(int);
	extern int total;
	typedef unsigned short ushort;
	ushort u = 65535;
	int x = twice(r), y = helper(x), z = x + y;
	int arr[3] = { x, y, z };
	const char *s = "con" "cat" "enated";

	u += 2;
	total += sum3(arr);
	printf("%d %d %d %d %u %d %s\n", a, x, y, z, u, total, s);
	return 0;
}

int twice(int v)
{
	return v * 2;
}

int helper(int v)
{
	return v + 100;
}
