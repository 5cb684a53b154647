/* Version 2: a field inserted in the middle of struct stats. */
struct stats {
	long requests;
	long errors;
	long bytes;
};

extern struct stats stats;

void count(void);
