/*
 * Version 2: the connection loses scratch and trailer, gains tag, born and
 * flags, and swaps worker and count; its event stays at byte 48, and it
 * shrinks from 112 to 96 bytes.  The worker gains started (16 to 24 bytes).
 */
#define VERSION "v2"
struct event {
	struct event *next;
	void (*cb)(void *arg);
	void *arg;
};

struct worker {
	long started;
	int id;
	long served;
};

struct conn {
	int state;
	int fd;
	char tag[24];
	long born;
	int flags;
	struct event ev;
	struct worker *worker;
	long count;
	struct conn *next;
};
#define STARTED(w) ((w).started)
#define BORN(c) ((c).born)
#include "../v1/prog.c"
_Static_assert(offsetof(struct conn, ev) == 48, "the event stays where it was");
