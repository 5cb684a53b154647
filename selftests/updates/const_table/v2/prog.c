/* Version 2: the table gains an entry, the counter a field. */
#define VERSION "v2"
#define NAMES { "get", "set", "delete" }
struct counter {
	long hits;
	long misses;
};
#include "../v1/prog.c"
