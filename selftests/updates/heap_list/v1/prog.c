/*
 * A linked list of records on the heap, reached from a global (or, built
 * with -DLOCAL_LIST, from a local of main only).  Version 2 adds a field
 * to the record: the nodes already allocated keep the old layout.
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
	for (int k = 1; k <= 3; k++)
		list = push(list, k);
#ifndef LOCAL_LIST
	head = list;
	list = NULL;
#endif
	for (long n = 1;; n++) {
		long sum = 0;

		for (struct node *p = head ? head : list; p; p = p->next)
			sum += p->key;
		printf(VERSION " n=%ld sum=%ld\n", n, sum);
		usleep(10000);
	}
}
