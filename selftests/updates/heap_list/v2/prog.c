/* Version 2: the record gains a field before the link. */
#define VERSION "v2"
struct node {
	int key;
	int weight;
	struct node *next;
};
#include "../v1/prog.c"
