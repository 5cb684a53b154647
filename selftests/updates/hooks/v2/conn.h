/* Version 2's connection: larger, its event elsewhere in it. */
struct conn {
	int fd;
	char tag[16];
	long count;
	long seen;
	struct event ev;
};
