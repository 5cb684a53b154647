/* Version 2: the same thread-local variables, printed by the new code. */
#define VERSION "v2"
#include "../v1/prog.c"
