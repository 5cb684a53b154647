/*
 * Globals whose conversion cannot be derived when version 2 changes their
 * types: a union (which member holds the value?) and a struct holding a
 * pointer to a record whose layout changes (the objects it points to are
 * not converted).  Both are set at run time.  A third, "first", has the
 * same problem but keeps its initial value.  -DEMPTY_LIST: the list's head
 * stays NULL (its count set).
 */
#include <stdio.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
union val {
	int i;
	float f;
};
struct node {
	int key;
	struct node *next;
};
struct list {
	struct node *head;
	int n;
};
#endif

union val val;
struct list list;
static struct node first = { 1, 0 };

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	val.i = 5;
#ifndef EMPTY_LIST
	list.head = &first;
	list.n = 1;
#else
	list.n = 7;	/* changed since the start, its head NULL */
#endif
	for (long counter = 1;; counter++) {
		printf(VERSION " counter=%ld val=%d n=%d key=%d same=%d\n", counter, val.i, list.n,
		       list.head ? list.head->key : 0, list.head == &first);
		usleep(10000);
	}
}
