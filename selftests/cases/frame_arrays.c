// SPDX-License-Identifier: GPL-2.0
/*
 * Arrays inside structures passed as arguments before a call that may
 * unwind: a member of a returned structure (also offset by a constant),
 * of a local one and of a structure parameter.  Their
 * address is taken where they decay; taken before the later call, it
 * would point into the old frame once the frame is rebuilt, so it is
 * taken after it, in the frame that makes the call.
 */
#include <stdio.h>
#include <string.h>
struct big { char name[16]; long pad[4]; };
static int calls;
static struct big mk(int v) { struct big b; calls++; snprintf(b.name, sizeof(b.name), "name-%d", v); memset(b.pad, v, sizeof(b.pad)); return b; }
static int h(int v) { calls++; return v * 3; }
static void show(const char *s, int v) { printf("%s %d\n", s, v); }
static void locals(void)
{
	for (int i = 0; i < 3; i++) {
		struct big s;
		snprintf(s.name, sizeof(s.name), "loc-%d", i);
		show(s.name, h(i));
		show(s.name + 2, h(i));
	}
}

static void param(struct big b, int i)
{
	show(b.name, h(i));
	show(b.name + 1, h(i));	/* a pointer into b, relocated with it */
}

int main(void)
{
	param(mk(7), 7);
	for (int i = 0; i < 3; i++) {
		printf("%s %d %zu\n", mk(i).name, h(i), strlen(mk(i + 10).name) + (size_t)h(1));
		printf("%s %d %s\n", mk(i).name + 2, h(i), 1 + mk(i + 20).name);
	}
	locals();
	printf("calls=%d\n", calls);
	return 0;
}
