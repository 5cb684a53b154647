/* Version 2: a "beta" entry between alpha and gamma. */
#define VERSION "v2"
#define V2
#include "../v1/prog.c"
