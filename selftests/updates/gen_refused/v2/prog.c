/* Version 2: the union gains a member, the node and the list a field each. */
#define VERSION "v2"
union val {
	long l;
	int i;
	float f;
};
struct node {
	int key;
	int weight;
	struct node *next;
};
struct list {
	struct node *head;
	int n;
	int cap;
};
#include "../v1/prog.c"
