/*
 * What the patch generator asks the user for, for gen_refused: the union's
 * member (union.c), and the nodes on the heap (reached only through struct
 * node pointers).
 */
#include "union.c"

UPSTARE_HEAP_CONVERT("struct node");
