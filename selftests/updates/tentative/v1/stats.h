/*
 * The program's counters, declared here for every file as servers declare
 * their state, and defined in stats.c without an initializer.  The same
 * layout as update/struct_field's, whose transformer the patch takes.
 */
struct stats {
	long requests;
	long bytes;
};

extern struct stats stats;

void count(void);
