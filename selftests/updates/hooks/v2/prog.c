#define VERSION "v2"
#include "../lib.h"

#include "conn.h"
#define CALLBACK on_ready2
#define SEEN(c) (c)->seen
#define ON_READY

static void on_ready2(void *arg)
{
	struct conn *c = arg;

	c->count++;
	c->seen++;
}

#include "../v1/prog.c"
