/* Version 2: the record gains a field before the link, which main counts. */
#define VERSION "v2"
struct node {
	int key;
	int weight;
	struct node *next;
};
#define VISIT(p) (p->weight++, wsum += p->weight)
#include "../v1/prog.c"
