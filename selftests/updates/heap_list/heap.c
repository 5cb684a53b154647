/* The list's nodes are reached only through struct node pointers: convert them. */
#include <upstare.h>

UPSTARE_HEAP_CONVERT("struct node");
