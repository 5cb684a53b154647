/*
 * The connections are reached through a void * (the event's argument) and
 * through their embedded event: converted where they are.  The workers are
 * reached only through typed pointers: converted to a new array.  conns
 * and workers point to arrays as long as max_fds and settings.nworkers say.
 */
#include <upstare.h>

UPSTARE_HEAP_CONVERT_IN_PLACE("struct conn");
UPSTARE_HEAP_CONVERT("struct worker");
UPSTARE_HEAP_ARRAY(conns, max_fds);
UPSTARE_HEAP_ARRAY(workers, settings.nworkers);
