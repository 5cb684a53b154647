/* Both types converted on the heap; workers and busy point to arrays of nworkers. */
#include <upstare.h>

UPSTARE_HEAP_CONVERT("struct worker");
UPSTARE_HEAP_CONVERT("struct conn");
UPSTARE_HEAP_ARRAY(workers, nworkers);
UPSTARE_HEAP_ARRAY(busy, nworkers);
