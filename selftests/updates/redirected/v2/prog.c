/*
 * Version 2 of redirected: the same calls, and main writes the line the
 * waiter has been reading for since before the update.
 */
#define VERSION "v2"
#define WAKE_WAITER 1
#include "../v1/prog.c"
