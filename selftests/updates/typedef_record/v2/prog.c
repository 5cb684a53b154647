/* Version 2: the pair's fields swapped. */
#define VERSION "v2"
typedef struct {
	int b;
	int a;
} pair_t;
#include "../v1/prog.c"
