/* Version 2: the worker grows, the connection's fields swap. */
#define VERSION "v2"
struct worker {
	long started;
	int id;
	long served;
};
typedef struct conn {
	long hits;
	int fd;
} conn_t;
#include "../v1/prog.c"
