/*
 * A linked list of records on the heap, reached from a global (or, built
 * with -DLOCAL_LIST, from a local of main only).  Version 2 adds a field
 * to the record: the nodes already allocated keep the old layout.  Built
 * with -DBAD_LINK, the last node's link is not a pointer to a node (the
 * walk stops after three nodes, so the program never follows it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#ifndef VERSION
#define VERSION "v1"
struct node {
	int key;
	struct node *next;
};
#define VISIT(p) 0
#endif

struct node *head;

static struct node *push(struct node *list, int key)
{
	struct node *n = calloc(1, sizeof(*n));

	n->key = key;
	n->next = list;
	return n;
}

int main(void)
{
	struct node *list = NULL;

	setvbuf(stdout, NULL, _IOLBF, 0);
#ifdef BAD_LINK
	list = (struct node *)16;
#endif
	for (int k = 1; k <= 3; k++)
		list = push(list, k);
#ifndef LOCAL_LIST
	head = list;
	list = NULL;
#endif
	for (long n = 1;; n++) {
		long sum = 0, wsum = 0;

		struct node *p = head ? head : list;

		for (int i = 0; p && i < 3; p = p->next, i++) {
			sum += p->key;
			(void)VISIT(p);
		}
		printf(VERSION " n=%ld sum=%ld wsum=%ld\n", n, sum, wsum);
		usleep(10000);
	}
}
