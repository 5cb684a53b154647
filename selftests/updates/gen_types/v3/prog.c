/* Version 3: as version 2, but total narrows to int: a value past INT_MAX does not fit. */
#define VERSION "v3"
#define TOTAL_T int
#include "../v2/prog.c"
