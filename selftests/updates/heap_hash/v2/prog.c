/* Version 2: the record's fields reordered, hits widened to long. */
#define VERSION "v2"
struct rec {
	struct rec *chain;
	long hits;
	char key[16];
};
#include "../v1/prog.c"
