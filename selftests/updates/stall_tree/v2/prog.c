/* Version 2: the same program, printing v2. */
#define VERSION "v2"
#include "../v1/prog.c"
