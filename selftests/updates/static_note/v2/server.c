/*
 * Version 2: version 1 with only the text it prints changed, in a file of
 * another name: its statics must still be version 1's file's.
 */
#define VERSION "v2"
#include "../v1/prog.c"
