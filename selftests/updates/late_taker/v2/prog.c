/* Version 2: version 1 with only the text it prints changed. */
#define VERSION "v2"
#include "../v1/prog.c"
