/*
 * Version 2 of the soak's server: it answers "v2:N", and counts in a long
 * (v1: an int), so every update moves the counter.
 */
#define VERSION "v2"
#define COUNTER long
#define COUNT_FMT "count %ld\n"
#include "../v1/prog.c"
